-- rescue: recovers active jobs whose lease expired (their worker crashed, was killed or stalled). The
-- run is not counted as an attempt; crashCount grows instead and, at maxCrashes, the job fails. A
-- requested cancel wins. A crash entry joins the error history.
-- KEYS: the global keys, then the keys of every known queue.
-- ARGV (after the queue list): maxCrashes, limit.
-- Returns: {id, new state}... or {'MOVED', queue...} (nothing written) when a job's queue was not passed.
-- Guarantee: expiry is judged by Redis TIME; the token is cleared, so the old worker's reports are rejected.
local maxCrashes, limit = tonumber(arg(1)), tonumber(arg(2))
local ids = redis.call('ZRANGEBYSCORE', gk('active'), '-inf', '(' .. num(NOW), 'LIMIT', 0, limit)
local moved = missingQueues(ids)
if moved then return moved end
local out = {}
for _, id in ipairs(ids) do
  local f = loadJob(id)
  if not f then
    redis.call('ZREM', gk('active'), id) -- an index entry without a job: drop it
  else
    leave(id, f)
    local crashes = tonumber(f[F_CRASH]) + 1
    f[F_CRASH] = num(crashes)
    addError(id, {
      attempt = tonumber(f[F_ATTEMPT]), at = NOW, name = 'LeaseExpiredError', crash = true,
      message = 'lease expired: the worker stopped renewing it (crashed, killed or stalled)',
    })
    if f[F_CANCEL] ~= '' then
      f[F_STATE] = 'cancelled'
    elseif crashes >= maxCrashes then
      f[F_STATE] = 'failed'
    else
      f[F_STATE] = 'queued'
      f[F_ATTEMPT] = num(tonumber(f[F_ATTEMPT]) - 1)
    end
    f[F_RUN] = num(NOW)
    if f[F_STATE] ~= 'queued' then f[F_FINISHED] = num(NOW) end
    f[F_LEASE] = ''
    f[F_TOKEN] = ''
    enter(id, f)
    if f[F_STATE] == 'queued' then wake(f[F_QUEUE]) else freeKey(id) end
    out[#out + 1] = id
    out[#out + 1] = f[F_STATE]
  end
end
return done(out)
