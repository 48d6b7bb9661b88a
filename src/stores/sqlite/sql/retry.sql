-- retry: puts failed or cancelled jobs back to `queued` with a fresh attempt count. The error history
-- is kept. OR IGNORE skips a job whose dedup key is meanwhile held by another unfinished job.
-- Params: the target's, plus :now
-- Returns: ids of the jobs re-queued.
UPDATE OR IGNORE fila_jobs
SET state = 'queued', attempt = 0, crash_count = 0, run_at = :now, error = NULL, result = NULL, progress = NULL,
    started_at = NULL, finished_at = NULL, cancel_requested_at = NULL, worker_id = NULL
WHERE seq IN (SELECT seq FROM fila_jobs WHERE {where}) AND state IN ('failed', 'cancelled')
RETURNING id
