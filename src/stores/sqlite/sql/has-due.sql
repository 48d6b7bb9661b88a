-- has-due: whether any scheduled or retrying job is due (a read before taking the write lock).
-- Params: :now
SELECT 1 AS due FROM fila_jobs WHERE state IN ('scheduled', 'retrying') AND run_at <= :now LIMIT 1
