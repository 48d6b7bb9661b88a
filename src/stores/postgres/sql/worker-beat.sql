-- worker-beat: registers or refreshes a live worker until now + $3 ms, and forgets workers that
-- stopped reporting.
-- Params: $1 id, $2 info (JSON text), $3 ttl ms
WITH expired AS (DELETE FROM {schema}.workers WHERE expires_at <= {schema}.now_ms() AND id <> $1)
INSERT INTO {schema}.workers (id, info, last_seen_at, expires_at)
VALUES ($1, $2::text::json, {schema}.now_ms(), {schema}.now_ms() + $3::bigint)
ON CONFLICT (id) DO UPDATE SET info = excluded.info, last_seen_at = excluded.last_seen_at,
  expires_at = excluded.expires_at
