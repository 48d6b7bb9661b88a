-- queue-forget: drops a queue's name (run once the queue is known to hold no job and not to be paused,
-- in the same transaction).
-- Params: :queue
DELETE FROM fila_queues WHERE name = :queue
