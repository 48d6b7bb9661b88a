-- event-read: batches of events from $1 on, oldest first.
-- Params: $1 seq, $2 rows
SELECT seq, at, events FROM {schema}.events WHERE seq >= $1 ORDER BY seq LIMIT $2
