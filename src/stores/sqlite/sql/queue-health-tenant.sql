-- queue-health-tenant: queue-health for one tenant's jobs.
-- Params: :now :tenant
SELECT queue, min(run_at) AS oldest, 0 AS stuck FROM fila_jobs WHERE state = 'queued' AND tenant = :tenant GROUP BY queue
UNION ALL
SELECT queue, NULL AS oldest, count(*) AS stuck FROM fila_jobs
WHERE state = 'active' AND state NOT IN ('queued', 'completed') AND lease_expires_at < :now AND tenant = :tenant
GROUP BY queue
