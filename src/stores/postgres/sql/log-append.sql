-- log-append: adds a batch of log lines to jobs, in order.
-- Params: $1 job ids, $2 attempts, $3 messages
INSERT INTO {schema}.job_logs (job_id, attempt, at, message)
SELECT i.id, i.attempt, {schema}.now_ms(), i.message
FROM unnest($1::uuid[], $2::int[], $3::text[]) WITH ORDINALITY AS i(id, attempt, message, n)
ORDER BY i.n
