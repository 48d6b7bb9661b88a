-- progress: stores the progress of a batch of active jobs.
-- Params: $1 seqs, $2 lease tokens, $3 percents, $4 messages
-- Returns: seq and token of each job updated; a lease missing from the rows was stale (nothing changed).
UPDATE {schema}.jobs j SET progress = json_build_object('percent', i.percent, 'message', i.message)
FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[]) AS i(seq, token, percent, message)
WHERE j.seq = i.seq AND j.lease_token = i.token AND j.state = 'active'
RETURNING j.seq, j.lease_token
