-- clean: deletes up to $3 failed or cancelled jobs of state $1 that finished more than $2 ms ago (store
-- clock), through the jobs_state index, and their log lines. `{queues}` is empty or
-- `AND queue = ANY($4::text[])`.
-- Params: $1 state, $2 older-than ms, $3 limit
-- Returns: ids deleted.
WITH gone AS (
  DELETE FROM {schema}.jobs WHERE id IN (
    SELECT id FROM {schema}.jobs
    WHERE state = $1::text AND state NOT IN ('queued', 'scheduled', 'retrying', 'completed', 'active')
      AND finished_at < {schema}.now_ms() - $2::bigint {queues}
    LIMIT $3
  )
  RETURNING id
),
logs AS (DELETE FROM {schema}.job_logs WHERE job_id IN (SELECT id FROM gone))
SELECT id FROM gone
