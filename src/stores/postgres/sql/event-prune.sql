-- event-prune: deletes batches of events recorded more than $1 ms ago (store clock).
-- Params: $1 older-than ms
DELETE FROM {schema}.events WHERE at < {schema}.now_ms() - $1::bigint
