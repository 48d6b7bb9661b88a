-- cancel-pending: cancels targeted jobs that have not started. `{where}` selects the target (ids or a
-- filter, bound parameters only).
-- Returns: ids of the jobs cancelled.
UPDATE {schema}.jobs SET state = 'cancelled', finished_at = {schema}.now_ms()
WHERE {where} AND state IN ('scheduled', 'queued', 'retrying', 'blocked')
RETURNING id
