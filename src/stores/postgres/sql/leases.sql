-- leases: current lease token and cancel request of those of some jobs that are active (read only); a job
-- that is not returned has no lease any more.
-- Params: $1 seqs
SELECT seq, state, lease_token, cancel_requested_at FROM {schema}.jobs
WHERE seq = ANY($1::bigint[]) AND state = 'active'
