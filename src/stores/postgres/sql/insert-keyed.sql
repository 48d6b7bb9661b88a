-- insert-keyed: adds one job with a dedup key unless an unfinished job already holds (tenant, key), and
-- wakes the workers of its queue.
-- Params: $1 id, $2 task, $3 queue, $4 priority, $5 run_at (NULL: now + delay), $6 delay, $7 payload,
--   $8 max_attempts, $9 backoff, $10 timeout_ms, $11 key, $12 tenant, $13 metadata, $14 channel
-- Returns: one row (the store clock and the new row's state and run-at), or none when the key was taken.
-- Guarantee: the partial unique index jobs_key decides (a concurrent insert of the same key waits for
-- the other transaction): never check-then-insert.
WITH ins AS (
  INSERT INTO {schema}.jobs (id, task, queue, state, priority, run_at, payload, max_attempts, backoff,
    timeout_ms, key, tenant, metadata, created_at)
  VALUES ($1::uuid, $2::text, $3::text,
    CASE WHEN COALESCE($5::bigint, {schema}.now_ms() + $6::bigint) > {schema}.now_ms() THEN 'scheduled' ELSE 'queued' END,
    $4::int, COALESCE($5::bigint, {schema}.now_ms() + $6::bigint), $7::text::json, $8::int, $9::text::json,
    $10::bigint, $11::text, $12::text, $13::text::json, {schema}.now_ms())
  ON CONFLICT (tenant, key) WHERE key IS NOT NULL AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked')
  DO NOTHING
  RETURNING queue, state, run_at, created_at
),
woke AS (SELECT pg_notify($14::text, 'j:' || queue) FROM ins)
SELECT created_at AS now, state, run_at, (SELECT count(*) FROM woke) AS woke FROM ins
