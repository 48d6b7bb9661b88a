-- release: gives a batch of active jobs back without spending their attempt (graceful shutdown,
-- snooze): `queued` now, or `scheduled` after the delay; `cancelled` if a cancel was requested. Wakes
-- the workers of queues that got a job back.
-- Params: $1 seqs, $2 lease tokens, $3 delays in ms, $4 channel
-- Returns: seq, token, new state and run-at of each job; a lease missing from the rows was stale.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS i(seq, token, delay)
),
done AS (
  UPDATE {schema}.jobs j
  SET state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled' WHEN i.delay > 0 THEN 'scheduled' ELSE 'queued' END,
    run_at = {schema}.now_ms() + i.delay, attempt = j.attempt - 1, lease_token = NULL, lease_expires_at = NULL,
    finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL THEN {schema}.now_ms() END
  FROM input i
  WHERE j.seq = i.seq AND j.lease_token = i.token AND j.state = 'active'
  RETURNING j.seq, i.token, j.state, j.run_at, j.queue
),
woke AS (
  SELECT pg_notify($4::text, 'j:' || q.queue) FROM (SELECT DISTINCT queue FROM done WHERE state = 'queued') q
)
SELECT seq, token, state, run_at, (SELECT count(*) FROM woke) AS woke FROM done
