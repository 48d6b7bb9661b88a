-- log-append: adds one log line to a job.
-- Params: :id :attempt :now :message
INSERT INTO fila_job_logs (job_id, attempt, at, message) VALUES (:id, :attempt, :now, :message)
