-- worker-list: live workers.
-- Params: :now
SELECT info, last_seen_at FROM fila_workers WHERE expires_at > :now ORDER BY id
