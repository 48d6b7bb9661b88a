-- insert: adds a batch of jobs without dedup keys in one statement (arrays unnested in order), and
-- wakes the workers of their queues with one NOTIFY per queue (delivered when the transaction commits:
-- at once on its own, at the application's COMMIT inside a transactional enqueue).
-- Params: $1 ids uuid[], $2 tasks, $3 queues, $4 priorities int[], $5 run_at bigint[] (NULL: now + delay),
--   $6 delays bigint[], $7 payloads (JSON text), $8 max_attempts int[], $9 backoffs (JSON text),
--   $10 timeouts bigint[], $11 tenants ('' for none), $12 metadata (JSON text), $13 channel
-- Returns: the store clock at insert (every row's created_at).
-- Guarantee: one statement: all rows commit together or none.
WITH ins AS (
  INSERT INTO {schema}.jobs (id, task, queue, state, priority, run_at, payload, max_attempts, backoff,
    timeout_ms, tenant, metadata, created_at)
  SELECT i.id, i.task, i.queue,
    CASE WHEN COALESCE(i.run_at, {schema}.now_ms() + i.delay) > {schema}.now_ms() THEN 'scheduled' ELSE 'queued' END,
    i.priority, COALESCE(i.run_at, {schema}.now_ms() + i.delay), i.payload::json, i.max_attempts,
    i.backoff::json, i.timeout_ms, i.tenant, i.metadata::json, {schema}.now_ms()
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::text[],
    $8::int[], $9::text[], $10::bigint[], $11::text[], $12::text[])
    WITH ORDINALITY AS i(id, task, queue, priority, run_at, delay, payload, max_attempts, backoff,
      timeout_ms, tenant, metadata, n)
  ORDER BY i.n
  RETURNING queue
),
woke AS (SELECT pg_notify($13::text, 'j:' || q.queue) FROM (SELECT DISTINCT queue FROM ins) q)
SELECT {schema}.now_ms() AS now, (SELECT count(*) FROM woke) AS woke
