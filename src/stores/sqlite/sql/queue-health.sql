-- queue-health: per queue, the run-at of the longest-waiting ready job and the number of active jobs
-- whose lease has expired (stuck: their worker stopped renewing and no rescue has run yet).
-- Params: :now
SELECT queue, min(run_at) AS oldest, 0 AS stuck FROM fila_jobs WHERE state = 'queued' GROUP BY queue
UNION ALL
SELECT queue, NULL AS oldest, count(*) AS stuck FROM fila_jobs
WHERE state = 'active' AND state NOT IN ('queued', 'completed') AND lease_expires_at < :now GROUP BY queue
