-- promote-due: marks up to $2 scheduled and retrying jobs whose run-at has passed as queued, oldest
-- first, in every queue but those in $1 (the ones live workers serve: their claims take such jobs
-- directly, so they are left alone there and no claim has to skip rows this statement holds).
-- Params: $1 queues to leave alone, $2 limit
-- Returns: how many jobs it marked.
-- Guarantee: store clock; only the state changes, so the order of claims (priority, run-at, insertion)
-- is kept. SKIP LOCKED: a job a claim is taking right now is left to it.
WITH due AS (
  SELECT seq FROM {schema}.jobs
  WHERE state IN ('scheduled', 'retrying') AND run_at <= {schema}.now_ms() AND queue <> ALL($1::text[])
  ORDER BY run_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
promoted AS (
  UPDATE {schema}.jobs j SET state = 'queued' FROM due WHERE j.seq = due.seq AND j.state IN ('scheduled', 'retrying')
  RETURNING 1
)
SELECT count(*)::int AS promoted FROM promoted
