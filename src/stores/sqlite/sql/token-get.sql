-- token-get: one token, with its secret's hash, for verification.
-- Params: :id
SELECT id, secret_hash, role, tenant, name, created_at FROM fila_tokens WHERE id = :id
