-- complete: ends a batch of active jobs with their results in one statement: `completed`, or
-- `cancelled` (result kept) when a cancel was requested while the job ran.
-- Params: $1 seqs bigint[], $2 lease tokens, $3 results (JSON text or NULL)
-- Returns: seq, token and new state of each job done; a lease missing from the rows was stale and nothing
--   was changed for it.
-- Guarantee: the token and state guard make a second completion impossible.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS i(seq, token, result)
)
UPDATE {schema}.jobs j
SET state = CASE WHEN j.cancel_requested_at IS NULL THEN 'completed' ELSE 'cancelled' END,
  result = i.result::json,
  error = CASE WHEN j.cancel_requested_at IS NULL THEN NULL ELSE j.error END,
  finished_at = {schema}.now_ms(), lease_token = NULL, lease_expires_at = NULL
FROM input i
WHERE j.seq = i.seq AND j.lease_token = i.token AND j.state = 'active'
RETURNING j.seq, i.token, j.state, j.finished_at
