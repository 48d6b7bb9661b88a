-- extend: pushes a lease's expiry to now + :lease_ms.
-- Params: :seq :token :now :lease_ms
-- Returns: whether a cancel was requested, or no row when the lease is stale.
UPDATE fila_jobs SET lease_expires_at = :now + :lease_ms
WHERE seq = :seq AND lease_token = :token AND state = 'active'
RETURNING cancel_requested_at
