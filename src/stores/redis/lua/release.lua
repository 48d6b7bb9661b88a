-- release: gives active jobs back without spending their attempt (graceful shutdown, snooze): `queued`
-- now, or `scheduled` after the delay; `cancelled` (key freed) if a cancel was requested.
-- KEYS: the global keys, then the keys of the queues named by the leases.
-- ARGV (after the queue list): n, then per job: id, token (the part before its dot), queue, delay in ms.
-- Returns: per job {new state, runAt} or false when the lease is stale.
-- Guarantee: fenced by the token; the new run-at is Redis TIME + delay.
local n = tonumber(arg(1))
local out = {}
for i = 1, n do
  local b = 1 + (i - 1) * 4
  local id, delay = arg(b + 1), tonumber(arg(b + 4))
  local f = leased(id, arg(b + 2), arg(b + 3))
  if not f then
    out[i] = false
  else
    handBack(id, f, delay)
    out[i] = {f[F_STATE], f[F_RUN]}
  end
end
return done(out)
