-- event-read: batches of events from :seq on, oldest first.
-- Params: :seq :rows
SELECT seq, at, events FROM fila_events WHERE seq >= :seq ORDER BY seq LIMIT :rows
