-- cancel: cancels pending jobs at once (scheduled, queued, retrying: `cancelled`, key freed; this store
-- has no `blocked` jobs until flows exist) and asks the workers of active ones to stop (the job stays `active` with a cancel request until its
-- worker reports or its lease is rescued; then it ends `cancelled`).
-- KEYS: the global keys, then the keys of the queues of the jobs.
-- ARGV (after the queue list): n, then the job ids.
-- Returns: per job 'c' (cancelled), 'r' (stop requested) or '' (finished or unknown: unchanged); or
--   {'MOVED', queue...} (nothing written) when a job's queue was not passed.
local n = tonumber(arg(1))
local ids = {}
for i = 1, n do ids[i] = arg(1 + i) end
local moved = missingQueues(ids)
if moved then return moved end
local PENDING = {scheduled = true, queued = true, retrying = true}
local out = {}
for i, id in ipairs(ids) do
  local f = loadJob(id)
  out[i] = ''
  if f and PENDING[f[F_STATE]] then
    leave(id, f)
    f[F_STATE] = 'cancelled'
    f[F_FINISHED] = num(NOW)
    enter(id, f)
    freeKey(id)
    out[i] = 'c'
  elseif f and f[F_STATE] == 'active' then
    if f[F_CANCEL] == '' then
      f[F_CANCEL] = num(NOW)
      save(id, f)
    end
    out[i] = 'r'
  end
end
return done(out)
