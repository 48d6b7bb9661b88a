-- event-append: records one batch of events (a JSON array of [type, jobId, queue, task, tenant, data])
-- and wakes event listeners in every process.
-- Params: $1 events (JSON text), $2 lock key, $3 channel
-- Guarantee: appends are serialized by a transaction-level advisory lock taken before the row's seq is
-- drawn, so seq order is commit order: a reader that has seen seq n never later finds a batch < n.
WITH lock AS (SELECT pg_advisory_xact_lock($2::bigint)),
ins AS (
  INSERT INTO {schema}.events (at, events) SELECT {schema}.now_ms(), $1::text::json FROM lock
  RETURNING seq
)
SELECT seq, pg_notify($3::text, 'e') AS woke FROM ins
