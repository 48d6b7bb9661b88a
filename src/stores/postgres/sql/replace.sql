-- replace: overwrites a job that holds a dedup key with a new request, while it has not started: no
-- attempt spent and no crash (a job handed back unstarted, or snoozed, has none). A job that ran and waits
-- again, for a retry or after a rescue, keeps its attempts and errors: it is left as is.
-- Params: $1 seq, $2 task, $3 queue, $4 priority, $5 run_at (NULL: now + delay), $6 delay, $7 payload,
--   $8 max_attempts, $9 backoff, $10 timeout_ms, $11 metadata, $12 channel
-- Returns: the row when replaced; no row when the job had started or left queued/scheduled.
-- Guarantee: the state guard makes this a no-op for a job a worker has claimed meanwhile (the claim
-- holds the row lock; this statement waits for it and re-checks the state).
WITH upd AS (
  UPDATE {schema}.jobs
  SET task = $2, queue = $3,
    state = CASE WHEN COALESCE($5::bigint, {schema}.now_ms() + $6::bigint) > {schema}.now_ms() THEN 'scheduled' ELSE 'queued' END,
    priority = $4, run_at = COALESCE($5::bigint, {schema}.now_ms() + $6::bigint), payload = $7::text::json,
    max_attempts = $8, backoff = $9::text::json, timeout_ms = $10, metadata = $11::text::json
  WHERE seq = $1 AND state IN ('queued', 'scheduled') AND attempt = 0 AND crash_count = 0
  RETURNING *
),
woke AS (SELECT pg_notify($12::text, 'j:' || queue) FROM upd)
SELECT upd.*, (SELECT count(*) FROM woke) AS woke FROM upd
