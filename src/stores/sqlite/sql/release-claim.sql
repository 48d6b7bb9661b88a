-- release-claim: gives back every job still leased by one claim, as release does with no delay: `queued`
-- now, or `cancelled` if a cancel was requested; the attempt is not spent. For a claim whose caller never
-- saw its reply (on this store a claim whose caller saw no reply did not commit, so usually nothing).
-- Active jobs are found through fila_jobs_state, whose condition is repeated for the planner.
-- Params: :token (the claim's nonce) :now
-- Returns: id and new state of each job given back.
UPDATE fila_jobs
SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'queued' END,
    run_at = :now, attempt = attempt - 1, lease_token = NULL, lease_expires_at = NULL,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN :now END
WHERE state = 'active' AND state NOT IN ('queued', 'completed') AND lease_token = :token
RETURNING id, state
