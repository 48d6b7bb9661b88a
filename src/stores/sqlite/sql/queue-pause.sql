-- queue-pause: sets or clears a queue's paused flag.
-- Params: :queue :paused (0 or 1) :now
INSERT INTO fila_queues (name, paused, updated_at) VALUES (:queue, :paused, :now)
ON CONFLICT (name) DO UPDATE SET paused = :paused, updated_at = :now
