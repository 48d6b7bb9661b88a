-- next-run: the earliest run-at among scheduled and retrying jobs of the given queues.
-- Params: :queues (JSON array)
SELECT run_at FROM fila_jobs
WHERE state IN ('scheduled', 'retrying') AND queue IN (SELECT value FROM json_each(:queues))
ORDER BY run_at LIMIT 1
