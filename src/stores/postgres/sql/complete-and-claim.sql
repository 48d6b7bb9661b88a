-- complete-and-claim: complete (see complete.sql) and claim (see claim.sql) in one statement, so a busy
-- worker acknowledges a batch and fetches the next one in a single round trip. The two parts touch
-- disjoint rows (active ones, pending ones).
-- Params: $1 seqs, $2 lease tokens, $3 results, then the claim's: $4 queue(s), $5 limit, $6 new lease
--   token, $7 lease_ms, $8 worker id. `{queues}` as in claim.sql, on $4.
-- Returns: one row: the store clock (every completion's finished_at), the completions as a JSON array of
--   the 1-based positions in $1 of the leases done (negated for a job that ended `cancelled`), then the
--   claim's columns. Positions instead of [seq, token, state, finished_at] spare the worker an array and
--   two strings per job (see ADR 0004, Performance).
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS i(seq, token, result, n)
),
done AS (
  UPDATE {schema}.jobs j
  SET state = CASE WHEN j.cancel_requested_at IS NULL THEN 'completed' ELSE 'cancelled' END,
    result = i.result::json,
    error = CASE WHEN j.cancel_requested_at IS NULL THEN NULL ELSE j.error END,
    finished_at = {schema}.now_ms(), lease_token = NULL, lease_expires_at = NULL
  FROM input i
  WHERE j.seq = i.seq AND j.lease_token = i.token AND j.state = 'active'
  RETURNING i.n, j.state
),
picked AS (
  SELECT id FROM {schema}.jobs
  WHERE state IN ('queued', 'scheduled', 'retrying') AND {queues} AND run_at <= {schema}.now_ms()
  ORDER BY priority DESC, run_at, seq
  LIMIT $5
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE {schema}.jobs j
  SET state = 'active', attempt = j.attempt + 1, lease_token = $6::text,
    lease_expires_at = {schema}.now_ms() + $7::bigint, worker_id = $8::text, started_at = {schema}.now_ms()
  FROM picked WHERE j.id = picked.id
  RETURNING j.seq, j.id, j.task, j.queue, j.priority, j.run_at, j.payload, j.attempt, j.max_attempts,
    j.crash_count, j.backoff, j.timeout_ms, j.key, j.tenant, j.metadata, j.errors, j.created_at
)
SELECT {schema}.now_ms() AS now,
  (SELECT json_agg(CASE WHEN state = 'completed' THEN n ELSE -n END) FROM done) AS done,
  (SELECT json_agg(json_build_array(seq, id, task, queue, priority, run_at, payload, attempt, max_attempts,
      crash_count, backoff, timeout_ms, key, tenant, metadata, errors, created_at)
    ORDER BY priority DESC, run_at, seq) FROM claimed) AS jobs,
  CASE WHEN (SELECT count(*) FROM claimed) < $5 THEN
    (SELECT min(run_at) FROM {schema}.jobs
     WHERE state IN ('scheduled', 'retrying') AND {queues} AND run_at > {schema}.now_ms())
  END AS next_run_at
