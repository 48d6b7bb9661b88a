-- progress: stores the progress of active jobs.
-- KEYS: the global keys, then the keys of the queues named by the leases.
-- ARGV (after the queue list): n, then per job: id, token (the part before its dot), queue, progress JSON.
-- Returns: per job 1 (stored) or 0 (lease lost: nothing changed).
-- Guarantee: fenced by the token.
local n = tonumber(arg(1))
local out = {}
for i = 1, n do
  local b = 1 + (i - 1) * 4
  local id = arg(b + 1)
  if leased(id, arg(b + 2), arg(b + 3)) then
    redis.call('HSET', gk('prog'), id, arg(b + 4))
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
