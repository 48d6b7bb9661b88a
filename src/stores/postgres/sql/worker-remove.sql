-- worker-remove: forgets a worker that stopped.
-- Params: $1 id
DELETE FROM {schema}.workers WHERE id = $1
