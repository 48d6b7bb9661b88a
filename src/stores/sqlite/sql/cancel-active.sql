-- cancel-active: asks the workers of targeted running jobs to stop them. The job stays `active` until
-- its worker reports (or its lease is rescued); then it ends `cancelled`.
-- Params: the target's, plus :now
-- Returns: ids of the jobs asked to stop.
UPDATE fila_jobs SET cancel_requested_at = COALESCE(cancel_requested_at, :now)
WHERE seq IN (SELECT seq FROM fila_jobs WHERE {where}) AND state = 'active'
RETURNING id
