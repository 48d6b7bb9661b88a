-- token-revoke: deletes a token; it stops working at once (servers cache a verification for at most a
-- few seconds).
-- Params: $1 id
DELETE FROM {schema}.tokens WHERE id = $1
