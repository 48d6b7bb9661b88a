-- token-list: every token, without hashes, oldest first.
SELECT id, role, tenant, name, created_at FROM {schema}.tokens ORDER BY created_at, id
