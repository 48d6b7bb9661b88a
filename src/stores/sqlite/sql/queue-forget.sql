-- queue-forget: drops a queue's name and paused flag (run only once queue-jobs found it empty, in the
-- same transaction).
-- Params: :queue
DELETE FROM fila_queues WHERE name = :queue
