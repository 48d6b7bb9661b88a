-- claim: leases up to `limit` ready jobs of the queues passed (paused queues are skipped), best first:
-- priority, then run-at, then insertion, across all of them. Due scheduled and retrying jobs of those
-- queues become queued first. Each claimed job's attempt grows by one.
-- KEYS: the global keys, then the keys of the claimed queues (see lib.lua).
-- ARGV (after the queue list): limit, leaseMs, workerId, token (new for every claim).
-- Returns: {now, nextRunAt or false, {id, record, state, errors}...}; nextRunAt is the earliest run-at of
--   a scheduled or retrying job of these queues, when fewer than `limit` were claimed.
-- Guarantee: one atomic step, so no job is leased twice; the lease expiry is Redis TIME + leaseMs and
--   the token fences every later transition of this run.
return claimJobs(queueNames(), tonumber(arg(1)), tonumber(arg(2)), arg(3), arg(4))
