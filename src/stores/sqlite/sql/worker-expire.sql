-- worker-expire: forgets workers that stopped reporting.
-- Params: :now
DELETE FROM fila_workers WHERE expires_at <= :now
