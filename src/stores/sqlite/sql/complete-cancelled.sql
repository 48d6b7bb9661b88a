-- complete-cancelled: ends an active job whose cancel was requested while it ran: `cancelled`, with
-- the result it produced kept.
-- Params: :seq :token :result :now
-- Changes no row when the lease is stale.
UPDATE fila_jobs
SET state = 'cancelled', result = :result, finished_at = :now, lease_token = NULL, lease_expires_at = NULL
WHERE seq = :seq AND lease_token = :token AND state = 'active'
