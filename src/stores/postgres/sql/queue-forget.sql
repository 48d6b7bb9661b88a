-- queue-forget: drops a queue's name and paused flag when it holds no job in any state; else changes
-- nothing. (Completed jobs are in no index by queue: counting a queue's jobs reads the table, which is
-- fine for an operator's action.)
-- Params: $1 queue
-- Returns: one row: how many jobs the queue holds, whether it is forgotten (it holds none; a queue known
--   only from its jobs has no row to drop), and whether a row was dropped.
WITH held AS (
  SELECT count(*)::int AS n FROM {schema}.jobs WHERE queue = $1::text
),
gone AS (
  DELETE FROM {schema}.queues WHERE name = $1::text AND (SELECT n FROM held) = 0 RETURNING name
)
SELECT n AS jobs, n = 0 AS forgotten, (SELECT count(*) FROM gone)::int AS dropped FROM held
