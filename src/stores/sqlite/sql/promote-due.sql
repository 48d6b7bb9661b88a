-- promote-due: scheduled and retrying jobs whose run-at has passed become queued, oldest first, in
-- every queue but those listed. A claim runs it in its write transaction for every queue (`[]`, at most
-- 1,000 rows, so one claim never stalls on a huge backlog), so a promoted job is claimable in the same
-- step; a worker's sweep runs it for the queues no live worker serves.
-- Params: :now, :except (JSON array of queue names), :limit
-- Guarantee: store clock; only the state changes, so order (priority, run-at, insertion) is kept.
UPDATE fila_jobs SET state = 'queued'
WHERE seq IN (
  SELECT seq FROM fila_jobs
  WHERE state IN ('scheduled', 'retrying') AND run_at <= :now
    AND queue NOT IN (SELECT value FROM json_each(:except))
  ORDER BY run_at LIMIT :limit
)
