-- claim: leases up to $2 ready jobs to a worker in one statement, best first (priority, then run-at,
-- then insertion). Ready means queued, or scheduled/retrying with a run-at that has passed: a due job is
-- claimed directly, without a separate promotion step. Paused queues are skipped. Each claimed job's
-- attempt grows by one.
-- `{queues}` is `queue = $1::text` for one queue (an ordered walk of jobs_pending that stops after $2
-- rows) or `queue = ANY($1::text[])` for several (sorted), each with the paused-queue check.
-- Params: $1 queue(s), $2 limit, $3 lease token (new for every claim), $4 lease_ms, $5 worker id
-- Returns: one row: the store clock, the claimed jobs as one JSON array of arrays (column order read by
--   rows.ts), and, when fewer than $2 were claimed, the earliest future run-at in these queues.
-- Guarantee: FOR UPDATE SKIP LOCKED: concurrent claims never wait for each other and never take the
-- same job; a row changed by a claim that committed first is re-checked and skipped.
WITH picked AS (
  SELECT id FROM {schema}.jobs
  WHERE state IN ('queued', 'scheduled', 'retrying') AND {queues} AND run_at <= {schema}.now_ms()
  ORDER BY priority DESC, run_at, seq
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE {schema}.jobs j
  SET state = 'active', attempt = j.attempt + 1, lease_token = $3::text,
    lease_expires_at = {schema}.now_ms() + $4::bigint, worker_id = $5::text, started_at = {schema}.now_ms()
  FROM picked WHERE j.id = picked.id
  RETURNING j.seq, j.id, j.task, j.queue, j.priority, j.run_at, j.payload, j.attempt, j.max_attempts,
    j.crash_count, j.backoff, j.timeout_ms, j.key, j.tenant, j.metadata, j.errors, j.created_at
)
SELECT {schema}.now_ms() AS now,
  (SELECT json_agg(json_build_array(seq, id, task, queue, priority, run_at, payload, attempt, max_attempts,
      crash_count, backoff, timeout_ms, key, tenant, metadata, errors, created_at)
    ORDER BY priority DESC, run_at, seq) FROM claimed) AS jobs,
  CASE WHEN (SELECT count(*) FROM claimed) < $2 THEN
    (SELECT min(run_at) FROM {schema}.jobs
     WHERE state IN ('scheduled', 'retrying') AND {queues} AND run_at > {schema}.now_ms())
  END AS next_run_at
