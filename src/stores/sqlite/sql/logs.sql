-- logs: a job's log lines after :after, oldest first.
-- Params: :id :after :limit
SELECT seq, at, attempt, message FROM fila_job_logs
WHERE job_id = :id AND seq > :after
ORDER BY seq LIMIT :limit
