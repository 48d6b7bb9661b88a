-- queue-forget: drops a queue's name when it holds no job in any state and is not paused; else changes
-- nothing. The queue's row is locked first, so a concurrent pause waits for this and then applies.
-- (Completed jobs are in no index by queue: counting a queue's jobs reads the table, which is fine for
-- an operator's action and blocks no writer.)
-- Params: $1 queue
-- Returns: one row: how many jobs the queue holds, whether it is paused, and whether it is forgotten
--   (it holds none and is not paused; a queue known only from its jobs has no row to drop).
WITH flag AS (
  SELECT paused FROM {schema}.queues WHERE name = $1::text FOR UPDATE
),
held AS (
  SELECT count(*)::int AS n FROM {schema}.jobs WHERE queue = $1::text
),
gone AS (
  DELETE FROM {schema}.queues
  WHERE name = $1::text AND (SELECT n FROM held) = 0 AND NOT coalesce((SELECT paused FROM flag), false)
  RETURNING name
)
SELECT n AS jobs, coalesce((SELECT paused FROM flag), false) AS paused,
  n = 0 AND NOT coalesce((SELECT paused FROM flag), false) AS forgotten,
  (SELECT count(*) FROM gone)::int AS dropped
FROM held
