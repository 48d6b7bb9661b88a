-- complete: ends active jobs with their results (`cancelled` instead, keeping the result, when a cancel
-- was requested meanwhile); their dedup keys are freed. Optionally claims the next jobs in the same step.
-- KEYS: the global keys, then the keys of the queues named by the leases and by the claim.
-- ARGV (after the queue list): n, then per job: id, token (the part before its dot), queue, result JSON ('' for none); then
--   claim limit (0 for no claim), leaseMs, workerId, claim token, number of claimed queues, their names.
-- Returns: {{'c' completed | 'x' cancelled | 'l' lease lost, ...per job}, now, claim result or false}.
-- Guarantee: a stale token changes nothing, so a job completes at most once.
local n = tonumber(arg(1))
local codes = {}
for i = 1, n do
  local b = 1 + (i - 1) * 4
  local id, result = arg(b + 1), arg(b + 4)
  local f = leased(id, arg(b + 2), arg(b + 3))
  if not f then
    codes[i] = 'l'
  else
    leave(id, f)
    if f[F_CANCEL] ~= '' then f[F_STATE] = 'cancelled' else f[F_STATE] = 'completed' end
    if f[F_STATE] == 'completed' then codes[i] = 'c' else codes[i] = 'x' end
    f[F_FINISHED] = num(NOW)
    f[F_LEASE] = ''
    f[F_TOKEN] = ''
    if result ~= '' then redis.call('HSET', gk('res'), id, result) end
    if codes[i] == 'c' then redis.call('HDEL', gk('lasterr'), id) end
    enter(id, f)
    freeKey(id)
  end
end
local c = 2 + n * 4
local limit = tonumber(arg(c))
local claimed = false
if limit > 0 then
  local queues = {}
  for i = 1, tonumber(arg(c + 4)) do queues[i] = arg(c + 4 + i) end
  claimed = claimJobs(queues, limit, tonumber(arg(c + 1)), arg(c + 2), arg(c + 3))
end
return done({codes, num(NOW), claimed})
