-- release-claim: gives back every job still leased by one claim, as release does with no delay: `queued`
-- now, or `cancelled` if a cancel was requested; the attempt is not spent. For a claim whose caller never
-- saw its reply. Active jobs are found through fila_jobs_state.
-- Params: :token (the claim's nonce) :now
-- Returns: id and new state of each job given back.
UPDATE fila_jobs
SET state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'queued' END,
    run_at = :now, attempt = attempt - 1, lease_token = NULL, lease_expires_at = NULL,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN :now END
WHERE state = 'active' AND lease_token = :token
RETURNING id, state
