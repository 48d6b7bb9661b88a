-- fail: records a batch of failed attempts in one statement. With a retry delay the job waits in
-- `retrying` until now + delay; without one (NULL) it is `failed`; a requested cancel wins over both.
-- The error (with the attempt number and the store clock) becomes `error` and is appended to `errors`.
-- Params: $1 seqs, $2 lease tokens, $3 retry delays in ms (NULL = no retry), $4 names, $5 messages,
--   $6 codes, $7 stacks
-- Returns: seq, token, new state and run-at of each job; a lease missing from the rows was stale.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
    AS i(seq, token, delay, name, message, code, stack)
)
UPDATE {schema}.jobs j
SET state = CASE
      WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
      WHEN i.delay IS NULL THEN 'failed'
      ELSE 'retrying' END,
  run_at = CASE WHEN j.cancel_requested_at IS NULL AND i.delay IS NOT NULL THEN {schema}.now_ms() + i.delay ELSE j.run_at END,
  error = jsonb_build_object('attempt', j.attempt, 'at', {schema}.now_ms(), 'name', i.name,
    'message', i.message, 'code', i.code, 'stack', i.stack),
  errors = COALESCE(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('attempt', j.attempt,
    'at', {schema}.now_ms(), 'name', i.name, 'message', i.message, 'code', i.code, 'stack', i.stack)),
  finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL OR i.delay IS NULL THEN {schema}.now_ms() END,
  lease_token = NULL, lease_expires_at = NULL
FROM input i
WHERE j.seq = i.seq AND j.lease_token = i.token AND j.state = 'active'
RETURNING j.seq, i.token, j.state, j.run_at
