-- get: jobs by id.
-- Params: $1 ids uuid[]
SELECT * FROM {schema}.jobs WHERE id = ANY($1::uuid[])
