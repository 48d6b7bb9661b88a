-- list-merged: list.sql for a filter that admits active jobs and others: each of the two indexes that
-- hold seq (jobs_active, jobs_seq; migration 0003) is read in order up to the limit, and the two runs
-- are merged (a Merge Append), so each index is read only until it yields the limit of matching rows, and nothing is sorted.
-- Slots as in list.sql.
(SELECT * FROM {schema}.jobs WHERE {where} AND state = 'active' ORDER BY seq {order} LIMIT ${limit})
UNION ALL
(SELECT * FROM {schema}.jobs WHERE {where} AND state <> 'active' ORDER BY seq {order} LIMIT ${limit})
ORDER BY seq {order} LIMIT ${limit}
