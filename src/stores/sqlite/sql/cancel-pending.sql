-- cancel-pending: cancels targeted jobs that have not started. `{where}` selects the target (ids or a
-- filter, bound parameters only).
-- Params: the target's, plus :now
-- Returns: ids of the jobs cancelled.
UPDATE fila_jobs SET state = 'cancelled', finished_at = :now
WHERE seq IN (SELECT seq FROM fila_jobs WHERE {where})
  AND state IN ('scheduled', 'queued', 'retrying', 'blocked')
RETURNING id
