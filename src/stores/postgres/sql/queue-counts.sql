-- queue-counts: number of jobs per queue and state (optionally of one tenant), the run-at of each
-- queue's longest-waiting ready job, and its active jobs whose lease has expired (stuck: their worker
-- stopped renewing and no rescue has run yet).
-- Params: $1 tenant or NULL for all
SELECT queue, state, count(*)::int AS n,
  min(run_at) FILTER (WHERE state = 'queued') AS oldest,
  (count(*) FILTER (WHERE state = 'active' AND lease_expires_at < {schema}.now_ms()))::int AS stuck
FROM {schema}.jobs
WHERE $1::text IS NULL OR tenant = $1::text
GROUP BY queue, state
