-- event-append: records one batch of events (a JSON array of [type, jobId, queue, task, tenant, data]).
-- Params: :now :events
INSERT INTO fila_events (at, events) VALUES (:now, :events)
