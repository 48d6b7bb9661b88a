-- token-create: stores an API token (the hash of its secret, never the secret).
-- Params: :id :secret_hash :role :tenant :name :now
INSERT INTO fila_tokens (id, secret_hash, role, tenant, name, created_at)
VALUES (:id, :secret_hash, :role, :tenant, :name, :now)
