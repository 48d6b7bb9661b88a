-- rescue: recovers active jobs whose lease expired (their worker crashed, was killed or stalled).
-- Such a run is not counted as an attempt; crash_count grows instead, and at $1 crashes the job fails.
-- A requested cancel wins. A crash entry is added to the error history. Wakes the workers of queues
-- that got a job back.
-- Params: $1 max crashes, $2 limit, $3 channel
-- Returns: id and new state of each rescued job.
-- Guarantee: store clock only; SKIP LOCKED, so a lease being extended right now is left alone (and
-- re-checked if the extension committed first); the token is cleared, so the old worker's reports
-- are rejected.
WITH expired AS (
  SELECT seq FROM {schema}.jobs
  WHERE state = 'active' AND lease_expires_at < {schema}.now_ms()
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
done AS (
  UPDATE {schema}.jobs j
  SET state = CASE
        WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN j.crash_count + 1 >= $1 THEN 'failed'
        ELSE 'queued' END,
    attempt = CASE WHEN j.cancel_requested_at IS NULL AND j.crash_count + 1 < $1 THEN j.attempt - 1 ELSE j.attempt END,
    crash_count = j.crash_count + 1,
    error = jsonb_build_object('attempt', j.attempt, 'at', {schema}.now_ms(), 'name', 'LeaseExpiredError',
      'message', 'lease expired: the worker stopped renewing it (crashed, killed or stalled)', 'crash', true),
    errors = COALESCE(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('attempt', j.attempt,
      'at', {schema}.now_ms(), 'name', 'LeaseExpiredError',
      'message', 'lease expired: the worker stopped renewing it (crashed, killed or stalled)', 'crash', true)),
    run_at = {schema}.now_ms(),
    finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL OR j.crash_count + 1 >= $1 THEN {schema}.now_ms() END,
    lease_token = NULL, lease_expires_at = NULL
  FROM expired WHERE j.seq = expired.seq AND j.state = 'active'
  RETURNING j.id, j.state, j.queue
),
woke AS (
  SELECT pg_notify($3::text, 'j:' || q.queue) FROM (SELECT DISTINCT queue FROM done WHERE state = 'queued') q
)
SELECT id, state, (SELECT count(*) FROM woke) AS woke FROM done
