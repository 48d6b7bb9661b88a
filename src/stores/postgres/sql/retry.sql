-- retry: puts failed or cancelled jobs back to `queued` with a fresh attempt count, keeping the error
-- history, and wakes the workers of their queues. A job whose dedup key is meanwhile held by another
-- unfinished job is left alone. `{where}` selects the target; `{channel}` is the channel's parameter.
-- Returns: ids of the jobs re-queued.
WITH done AS (
  UPDATE {schema}.jobs j
  SET state = 'queued', attempt = 0, crash_count = 0, run_at = {schema}.now_ms(), error = NULL, result = NULL,
    progress = NULL, started_at = NULL, finished_at = NULL, cancel_requested_at = NULL, worker_id = NULL
  WHERE {where} AND j.state IN ('failed', 'cancelled')
    AND (j.key IS NULL OR NOT EXISTS (
      SELECT 1 FROM {schema}.jobs o
      WHERE o.tenant = j.tenant AND o.key = j.key
        AND o.state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked')))
  RETURNING j.id, j.queue
),
woke AS (SELECT pg_notify(${channel}::text, 'j:' || q.queue) FROM (SELECT DISTINCT queue FROM done) q)
SELECT id, (SELECT count(*) FROM woke) AS woke FROM done
