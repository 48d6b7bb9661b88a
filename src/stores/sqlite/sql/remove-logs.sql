-- remove-logs: deletes the log lines of deleted jobs.
-- Params: :ids (JSON array)
DELETE FROM fila_job_logs WHERE job_id IN (SELECT value FROM json_each(:ids))
