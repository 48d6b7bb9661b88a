-- find-by-key: the unfinished job holding a dedup key.
-- Params: $1 tenant ('' for none), $2 key
SELECT * FROM {schema}.jobs
WHERE tenant = $1 AND key = $2 AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked')
