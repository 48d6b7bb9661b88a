-- promote-due: marks up to $2 scheduled and retrying jobs whose run-at has passed as queued, oldest
-- first within each queue, in every queue but those in $1 (the ones live workers serve: their claims
-- take such jobs directly, so their rows are neither read nor locked here).
-- Params: $1 queues to leave alone, $2 limit
-- Returns: how many jobs it marked.
-- Cost: the queues that hold scheduled or retrying jobs are found by skipping through jobs_due
--   (queue, run_at), one probe per queue; each queue not left alone then gets one range read of its
--   overdue jobs. Jobs scheduled for later are not read.
-- Guarantee: store clock; only the state changes, so the order of claims (priority, run-at, insertion)
-- is kept. SKIP LOCKED: a job a claim is taking right now is left to it.
WITH RECURSIVE waiting AS (
  (SELECT queue FROM {schema}.jobs WHERE state IN ('scheduled', 'retrying') ORDER BY queue LIMIT 1)
  UNION ALL
  SELECT (SELECT j.queue FROM {schema}.jobs j
          WHERE j.state IN ('scheduled', 'retrying') AND j.queue > w.queue ORDER BY j.queue LIMIT 1)
  FROM waiting w WHERE w.queue IS NOT NULL
),
due AS (
  SELECT d.seq
  FROM waiting w
  CROSS JOIN LATERAL (
    SELECT seq FROM {schema}.jobs
    WHERE state IN ('scheduled', 'retrying') AND queue = w.queue AND run_at <= {schema}.now_ms()
    ORDER BY run_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ) d
  WHERE w.queue IS NOT NULL AND w.queue <> ALL($1::text[])
  LIMIT $2
),
promoted AS (
  -- By seq (jobs_seq, which the state guard selects): joined as a table, the planner may hash the whole
  -- jobs table for these few rows.
  UPDATE {schema}.jobs SET state = 'queued'
  WHERE seq = ANY (ARRAY(SELECT seq FROM due)) AND state IN ('scheduled', 'retrying')
  RETURNING 1
)
SELECT count(*)::int AS promoted FROM promoted
