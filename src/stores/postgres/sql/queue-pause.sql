-- queue-pause: sets or clears a queue's paused flag; on resume, wakes the queue's workers.
-- Params: $1 queue, $2 paused, $3 channel
WITH flag AS (
  INSERT INTO {schema}.queues (name, paused, updated_at) VALUES ($1::text, $2::boolean, {schema}.now_ms())
  ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at
  RETURNING name, paused
)
SELECT CASE WHEN paused THEN NULL ELSE pg_notify($3::text, 'j:' || name) END AS woke FROM flag
