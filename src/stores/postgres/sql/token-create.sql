-- token-create: stores an API token (the hash of its secret, never the secret).
-- Params: $1 id, $2 secret hash, $3 role, $4 tenant, $5 name
-- Returns: the creation time (store clock).
INSERT INTO {schema}.tokens (id, secret_hash, role, tenant, name, created_at)
VALUES ($1, $2, $3, $4, $5, {schema}.now_ms())
RETURNING created_at
