-- remove: deletes jobs that are not running, and their log lines.
-- Params: $1 ids uuid[]
-- Returns: ids deleted.
WITH gone AS (
  DELETE FROM {schema}.jobs WHERE id = ANY($1::uuid[]) AND state <> 'active' RETURNING id
),
logs AS (DELETE FROM {schema}.job_logs WHERE job_id IN (SELECT id FROM gone))
SELECT id FROM gone
