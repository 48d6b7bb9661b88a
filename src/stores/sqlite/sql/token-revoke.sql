-- token-revoke: deletes a token; it stops working at once (servers cache a verification for at most
-- a few seconds).
-- Params: :id
DELETE FROM fila_tokens WHERE id = :id
