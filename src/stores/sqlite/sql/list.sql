-- list: one page of jobs matching a filter. `{where}` is filled in by the store from the filter
-- (queue, states, task, tenant, cursor), always with bound parameters; `{order}` is ASC or DESC.
-- Params: the filter's, plus :limit
SELECT * FROM fila_jobs WHERE {where} ORDER BY seq {order} LIMIT :limit
