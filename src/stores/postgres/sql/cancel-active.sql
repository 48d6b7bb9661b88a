-- cancel-active: asks the workers of targeted running jobs to stop them. The job stays `active` until
-- its worker reports (or its lease is rescued); then it ends `cancelled`. Runs after cancel-pending, as
-- its own statement: a job a worker claimed while cancel-pending waited for its row lock is seen here.
-- Returns: ids of the jobs asked to stop.
UPDATE {schema}.jobs SET cancel_requested_at = COALESCE(cancel_requested_at, {schema}.now_ms())
WHERE {where} AND state = 'active'
RETURNING id
