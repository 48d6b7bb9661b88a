-- event-prune: deletes batches of events recorded before :cutoff, except the newest: SQLite numbers a
-- new row after the largest seq present, so an emptied table would start again at 1, below the cursors
-- of every reader, which would then never see the new events.
-- Params: :cutoff
DELETE FROM fila_events WHERE at < :cutoff AND seq < (SELECT max(seq) FROM fila_events)
