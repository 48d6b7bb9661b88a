-- queue-jobs: how many jobs a queue holds, in any state (a forget refuses a queue that holds any).
-- Params: :queue
SELECT count(*) AS n FROM fila_jobs WHERE queue = :queue
