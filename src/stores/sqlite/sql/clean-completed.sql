-- clean-completed: deletes up to :limit completed jobs that finished before :cutoff. Completed jobs
-- are not in the state index (see 0001_init); a job finished before the cutoff was created before it,
-- so the scan walks the time-ordered id index only up to :cutoff_id, the smallest id of that instant.
-- Params: :cutoff :cutoff_id :limit; `{queues}` as in clean.
-- Returns: ids deleted.
DELETE FROM fila_jobs
WHERE seq IN (
  SELECT seq FROM fila_jobs
  WHERE id < :cutoff_id AND state = 'completed' AND finished_at < :cutoff {queues}
  LIMIT :limit
)
RETURNING id
