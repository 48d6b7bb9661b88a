-- list: one page of jobs matching a filter. `{where}` is filled in by the store from the filter (queue,
-- states, task, tenant, cursor) with bound parameters only; `{order}` is ASC or DESC; `{limit}` is the
-- number of the LIMIT parameter.
SELECT * FROM {schema}.jobs WHERE {where} ORDER BY seq {order} LIMIT ${limit}
