-- event-prune: deletes batches of events recorded before :cutoff.
-- Params: :cutoff
DELETE FROM fila_events WHERE at < :cutoff
