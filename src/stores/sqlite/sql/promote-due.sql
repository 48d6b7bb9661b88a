-- promote-due: scheduled and retrying jobs whose run-at has passed become queued, oldest first, in
-- every queue but those listed (the ones live workers serve: their claims promote them already).
-- Params: :now, :except (JSON array of queue names), :limit
-- Guarantee: store clock; only the state changes, so order (priority, run-at, insertion) is kept.
UPDATE fila_jobs SET state = 'queued'
WHERE seq IN (
  SELECT seq FROM fila_jobs
  WHERE state IN ('scheduled', 'retrying') AND run_at <= :now
    AND queue NOT IN (SELECT value FROM json_each(:except))
  ORDER BY run_at LIMIT :limit
)
