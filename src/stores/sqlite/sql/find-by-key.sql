-- find-by-key: the unfinished job holding a dedup key.
-- Params: :tenant ('' for none) :key
SELECT * FROM fila_jobs
WHERE tenant = :tenant AND key = :key AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked')
