-- clean: deletes up to :limit failed or cancelled jobs that finished before :cutoff, through the state
-- index. `{queues}` is empty or an `AND queue IN (...)` term with bound parameters.
-- Params: :state :cutoff :limit
-- Returns: ids deleted.
DELETE FROM fila_jobs
WHERE seq IN (
  SELECT seq FROM fila_jobs
  WHERE state = :state AND state NOT IN ('queued', 'completed') AND finished_at < :cutoff {queues}
  LIMIT :limit
)
RETURNING id
