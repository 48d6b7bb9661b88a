-- queue-counts-tenant: number of one tenant's jobs per queue and state.
-- Params: :tenant
SELECT queue, state, count(*) AS n FROM fila_jobs WHERE tenant = :tenant GROUP BY queue, state
