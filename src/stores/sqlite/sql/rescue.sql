-- rescue: recovers active jobs whose lease expired (their worker crashed, was killed or stalled).
-- Such a run is not counted as an attempt; crash_count grows instead, and at :max_crashes the job
-- fails. A requested cancel wins. A crash entry is added to the error history.
-- Params: :now :max_crashes :limit
-- Returns: id and new state of each rescued job.
-- Guarantee: uses the store clock only; the token is cleared, so the old worker's reports are rejected.
UPDATE fila_jobs
SET state = CASE
      WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
      WHEN crash_count + 1 >= :max_crashes THEN 'failed'
      ELSE 'queued' END,
    attempt = CASE WHEN cancel_requested_at IS NULL AND crash_count + 1 < :max_crashes THEN attempt - 1 ELSE attempt END,
    crash_count = crash_count + 1,
    error = json_object('attempt', attempt, 'at', :now, 'name', 'LeaseExpiredError',
      'message', 'lease expired: the worker stopped renewing it (crashed, killed or stalled)', 'crash', json('true')),
    errors = json_insert(COALESCE(errors, '[]'), '$[#]',
      json_object('attempt', attempt, 'at', :now, 'name', 'LeaseExpiredError',
        'message', 'lease expired: the worker stopped renewing it (crashed, killed or stalled)', 'crash', json('true'))),
    run_at = :now,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR crash_count + 1 >= :max_crashes THEN :now END,
    lease_token = NULL, lease_expires_at = NULL
WHERE seq IN (
  SELECT seq FROM fila_jobs
  WHERE state = 'active' AND state NOT IN ('queued', 'completed') AND lease_expires_at < :now
  LIMIT :limit
)
RETURNING id, state
