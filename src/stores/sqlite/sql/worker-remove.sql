-- worker-remove: forgets a worker that stopped.
-- Params: :id
DELETE FROM fila_workers WHERE id = :id
