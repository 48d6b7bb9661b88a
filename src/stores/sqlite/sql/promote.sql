-- promote: scheduled and retrying jobs whose run-at has passed become queued.
-- Params: :now
-- Guarantee: runs in the claim's write transaction, so a promoted job is claimable in the same step.
-- Bounded to 1,000 rows per claim so one claim never stalls on a huge backlog of due jobs.
UPDATE fila_jobs SET state = 'queued'
WHERE seq IN (
  SELECT seq FROM fila_jobs
  WHERE state IN ('scheduled', 'retrying') AND run_at <= :now
  ORDER BY run_at LIMIT 1000
)
