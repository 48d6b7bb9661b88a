-- token-get: one token, with its secret's hash, for verification.
-- Params: $1 id
SELECT id, secret_hash, role, tenant, name, created_at FROM {schema}.tokens WHERE id = $1
