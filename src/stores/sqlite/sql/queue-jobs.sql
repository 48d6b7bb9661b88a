-- queue-jobs: how many jobs a queue holds, in any state, and the newest job's seq (a forget counts
-- under a read, which blocks no writer, then checks only what may have changed since: queue-jobs-since).
-- Completed jobs are in no index by queue, so this reads the table.
-- Params: :queue
SELECT (SELECT count(*) FROM fila_jobs WHERE queue = :queue) AS n, (SELECT max(seq) FROM fila_jobs) AS last
