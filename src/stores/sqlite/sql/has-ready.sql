-- has-ready: whether a queue has a ready job (a read before taking the write lock).
-- Params: :queue
SELECT 1 AS ready FROM fila_jobs WHERE state = 'queued' AND queue = :queue LIMIT 1
