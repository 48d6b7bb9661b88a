-- worker-beat: registers or refreshes a live worker until :expires_at.
-- Params: :id :info (JSON) :now :expires_at
INSERT INTO fila_workers (id, info, last_seen_at, expires_at) VALUES (:id, :info, :now, :expires_at)
ON CONFLICT (id) DO UPDATE SET info = :info, last_seen_at = :now, expires_at = :expires_at
