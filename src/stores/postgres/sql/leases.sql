-- leases: current lease token, state and cancel request of some jobs (read only).
-- Params: $1 seqs
SELECT seq, state, lease_token, cancel_requested_at FROM {schema}.jobs WHERE seq = ANY($1::bigint[])
