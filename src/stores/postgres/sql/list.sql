-- list: one page of jobs matching a filter, in seq order, read from one of the two indexes that hold seq
-- (migration 0003): `{part}` is `state = 'active'` (jobs_active) or `state <> 'active'` (jobs_seq). A
-- filter that admits jobs of both parts uses list-merged.sql. `{where}` is filled in by the store from the
-- filter (queue, states, task, tenant, cursor) with bound parameters only; `{order}` is ASC or DESC;
-- `{limit}` is the number of the LIMIT parameter.
SELECT * FROM {schema}.jobs WHERE {where} AND {part} ORDER BY seq {order} LIMIT ${limit}
