-- remove: deletes jobs that are not running.
-- Params: :ids (JSON array)
-- Returns: ids deleted.
DELETE FROM fila_jobs WHERE id IN (SELECT value FROM json_each(:ids)) AND state <> 'active'
RETURNING id
