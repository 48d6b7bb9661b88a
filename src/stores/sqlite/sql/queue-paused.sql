-- queue-paused: a queue's paused flag (no row: not paused).
-- Params: :queue
SELECT paused FROM fila_queues WHERE name = :queue
