-- extend: pushes a batch of leases' expiry to now + $3 in one statement (a worker's heartbeat).
-- Params: $1 seqs, $2 lease tokens, $3 lease_ms
-- Returns: seq, token and cancel request of each lease extended; a lease missing from the rows was stale.
UPDATE {schema}.jobs j SET lease_expires_at = {schema}.now_ms() + $3::bigint
FROM unnest($1::bigint[], $2::text[]) AS i(seq, token)
WHERE j.seq = i.seq AND j.lease_token = i.token AND j.state = 'active'
RETURNING j.seq, j.lease_token, j.cancel_requested_at
