-- leases: current lease token, state and cancel request of some jobs (read only).
-- Params: :ids (JSON array)
SELECT id, state, lease_token, cancel_requested_at FROM fila_jobs
WHERE id IN (SELECT value FROM json_each(:ids))
