-- release-claim: gives back every job still leased by one claim, as release does with no delay: `queued`
-- now, or `cancelled` if a cancel was requested; the attempt is not spent. For a claim whose caller never
-- saw its reply. Active jobs are found through jobs_active. Wakes the workers of queues that got a job back.
-- Params: $1 the claim's nonce (lease_token), $2 channel
-- Returns: id and new state of each job given back.
WITH done AS (
  UPDATE {schema}.jobs
  SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'queued' END,
    run_at = {schema}.now_ms(), attempt = attempt - 1, lease_token = NULL, lease_expires_at = NULL,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN {schema}.now_ms() END
  WHERE state = 'active' AND lease_token = $1::text
  RETURNING id, state, queue
),
woke AS (
  SELECT pg_notify($2::text, 'j:' || q.queue) FROM (SELECT DISTINCT queue FROM done WHERE state = 'queued') q
)
SELECT id, state, (SELECT count(*) FROM woke) AS woke FROM done
