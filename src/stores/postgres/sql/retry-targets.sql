-- retry-targets: the failed or cancelled jobs a retry targets, oldest first. Used when a bulk retry
-- was refused because two of them hold the same dedup key, to retry them one by one.
-- `{where}` selects the target, as in retry.sql.
SELECT id FROM {schema}.jobs WHERE {where} AND state IN ('failed', 'cancelled') ORDER BY seq
