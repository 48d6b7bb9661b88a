-- replace: overwrites a job that holds a dedup key with a new request, while it has not started: no
-- attempt spent and no crash (a job handed back unstarted, or snoozed, has none). A job that ran and waits
-- again, for a retry or after a rescue, keeps its attempts and errors: it is left as is.
-- Params: :seq :task :queue :state :priority :run_at :payload :max_attempts :backoff :timeout_ms :metadata
-- Returns: the row when replaced; no row when the job had started or left queued/scheduled.
-- Guarantee: the state guard makes this a no-op for a job a worker has claimed meanwhile.
UPDATE fila_jobs
SET task = :task, queue = :queue, state = :state, priority = :priority, run_at = :run_at, payload = :payload,
    max_attempts = :max_attempts, backoff = :backoff, timeout_ms = :timeout_ms, metadata = :metadata
WHERE seq = :seq AND state IN ('queued', 'scheduled') AND attempt = 0 AND crash_count = 0
RETURNING *
