-- get: jobs by id.
-- Params: :ids (JSON array)
SELECT * FROM fila_jobs WHERE id IN (SELECT value FROM json_each(:ids))
