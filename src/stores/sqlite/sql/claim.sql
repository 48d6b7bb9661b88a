-- claim: leases the given ready jobs to a worker; each job's attempt grows by one.
-- Params: :seqs (JSON array) :token (new for every claim) :now :lease_ms :worker
-- Guarantee: runs in the same write transaction as candidates and claim-rows, so the jobs cannot be
-- claimed by anyone else in between; the token fences every later transition of this run. No
-- RETURNING: it measured ~6 us per row more than reading the rows beforehand.
UPDATE fila_jobs
SET state = 'active', attempt = attempt + 1, lease_token = :token, lease_expires_at = :now + :lease_ms,
    worker_id = :worker, started_at = :now
WHERE seq IN (SELECT value FROM json_each(:seqs)) AND state = 'queued'
