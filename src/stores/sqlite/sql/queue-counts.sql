-- queue-counts: number of jobs per queue and state. Each branch reads the narrowest index for its
-- states; completed jobs have none and are counted by a scan (see 0001_init).
SELECT queue, state, count(*) AS n FROM fila_jobs WHERE state NOT IN ('queued', 'completed') GROUP BY queue, state
UNION ALL
SELECT queue, 'queued' AS state, count(*) AS n FROM fila_jobs WHERE state = 'queued' GROUP BY queue
UNION ALL
SELECT queue, 'completed' AS state, count(*) AS n FROM fila_jobs WHERE state = 'completed' GROUP BY queue
