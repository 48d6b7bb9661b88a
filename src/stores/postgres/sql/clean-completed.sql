-- clean-completed: deletes up to $3 completed jobs that finished more than $2 ms ago (store clock), and
-- their log lines. Completed jobs are in no partial index but jobs_seq (migration 0003); a job finished before the
-- cutoff was created before it, so the scan walks the time-ordered id index only up to the smallest
-- UUID v7 of that instant (its 48-bit millisecond prefix, the rest zero).
-- Params: $1 unused (NULL), $2 older-than ms, $3 limit; `{queues}` as in clean.
-- Returns: ids deleted.
WITH cutoff AS (
  SELECT c.ms, (substr(hex, 1, 8) || '-' || substr(hex, 9, 4) || '-0000-0000-000000000000')::uuid AS id
  FROM (SELECT {schema}.now_ms() - $2::bigint AS ms) c, lpad(to_hex(greatest(c.ms, 0)), 12, '0') AS h(hex)
  WHERE $1::text IS NULL
),
gone AS (
  DELETE FROM {schema}.jobs WHERE id IN (
    SELECT jobs.id FROM {schema}.jobs, cutoff
    WHERE jobs.id < cutoff.id AND state = 'completed' AND finished_at < cutoff.ms {queues}
    LIMIT $3
  )
  RETURNING id
),
logs AS (DELETE FROM {schema}.job_logs WHERE job_id IN (SELECT id FROM gone))
SELECT id FROM gone
