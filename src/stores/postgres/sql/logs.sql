-- logs: a job's log lines after $2, oldest first.
-- Params: $1 job id, $2 after (a seq), $3 limit
SELECT seq, at, attempt, message FROM {schema}.job_logs
WHERE job_id = $1::uuid AND seq > $2 ORDER BY seq LIMIT $3
