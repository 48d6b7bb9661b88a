-- release: gives an active job back without spending its attempt (graceful shutdown, snooze):
-- `queued` now, or `scheduled` after :delay_ms; `cancelled` if a cancel was requested.
-- Params: :seq :token :now :delay_ms
-- Returns: the new state and run-at, or no row when the lease is stale.
UPDATE fila_jobs
SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' WHEN :delay_ms > 0 THEN 'scheduled' ELSE 'queued' END,
    run_at = :now + :delay_ms, attempt = attempt - 1, lease_token = NULL, lease_expires_at = NULL,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN :now END
WHERE seq = :seq AND lease_token = :token AND state = 'active'
RETURNING state, run_at
