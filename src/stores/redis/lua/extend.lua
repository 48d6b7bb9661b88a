-- extend: pushes leases' expiry to now + leaseMs (a worker's heartbeat, one call for all its jobs).
-- KEYS: the global keys, then the keys of the queues named by the leases.
-- ARGV (after the queue list): leaseMs, n, then per lease: id, token (the part before its dot), queue.
-- Returns: per lease 'o' (extended), 'c' (extended; a cancel was requested) or 'l' (lost: not extended).
-- Guarantee: fenced by the token; the expiry is Redis TIME + leaseMs.
local leaseMs, n = tonumber(arg(1)), tonumber(arg(2))
local out = {}
for i = 1, n do
  local b = 2 + (i - 1) * 3
  local id = arg(b + 1)
  local f = leased(id, arg(b + 2), arg(b + 3))
  if not f then
    out[i] = 'l'
  else
    f[F_LEASE] = num(NOW + leaseMs)
    redis.call('ZADD', gk('active'), f[F_LEASE], id)
    save(id, f)
    if f[F_CANCEL] ~= '' then out[i] = 'c' else out[i] = 'o' end
  end
end
return out
