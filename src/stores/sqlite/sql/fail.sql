-- fail: records a failed attempt. With :retry_delay_ms the job waits in `retrying` until now + delay;
-- without it the job is `failed`; a requested cancel wins over both. The error (with the attempt number
-- and time) becomes `error` and is appended to the `errors` history.
-- Params: :seq :token :now :retry_delay_ms (NULL = no retry) :name :message :code :stack
-- Returns: the new state and run-at, or no row when the lease is stale.
UPDATE fila_jobs
SET state = CASE
      WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
      WHEN :retry_delay_ms IS NULL THEN 'failed'
      ELSE 'retrying' END,
    run_at = CASE WHEN cancel_requested_at IS NULL AND :retry_delay_ms IS NOT NULL THEN :now + :retry_delay_ms ELSE run_at END,
    error = json_object('attempt', attempt, 'at', :now, 'name', :name, 'message', :message, 'code', :code, 'stack', :stack),
    errors = json_insert(COALESCE(errors, '[]'), '$[#]',
      json_object('attempt', attempt, 'at', :now, 'name', :name, 'message', :message, 'code', :code, 'stack', :stack)),
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR :retry_delay_ms IS NULL THEN :now END,
    lease_token = NULL, lease_expires_at = NULL
WHERE seq = :seq AND lease_token = :token AND state = 'active'
RETURNING state, run_at
