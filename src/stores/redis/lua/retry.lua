-- retry: puts failed or cancelled jobs back to `queued` with a fresh attempt count; the error history is
-- kept, the last error, result and progress are cleared. A job whose dedup key is meanwhile held by
-- another unfinished job is skipped.
-- KEYS: the global keys, then the keys of the queues of the jobs.
-- ARGV (after the queue list): n, then the job ids.
-- Returns: the ids re-queued, or {'MOVED', queue...} (nothing written) when a job's queue was not passed.
local n = tonumber(arg(1))
local ids = {}
for i = 1, n do ids[i] = arg(1 + i) end
local moved = missingQueues(ids)
if moved then return moved end
local out = {}
for _, id in ipairs(ids) do
  local f = loadJob(id)
  if f and (f[F_STATE] == 'failed' or f[F_STATE] == 'cancelled') then
    local member = redis.call('HGET', gk('jkey'), id)
    local holder = member and redis.call('HGET', gk('keys'), member)
    if not holder or holder == id then
      if member then redis.call('HSET', gk('keys'), member, id) end
      leave(id, f)
      f[F_STATE] = 'queued'
      f[F_ATTEMPT] = '0'
      f[F_CRASH] = '0'
      f[F_RUN] = num(NOW)
      for _, k in ipairs({F_STARTED, F_FINISHED, F_LEASE, F_CANCEL, F_TOKEN, F_WORKER}) do f[k] = '' end
      redis.call('HDEL', gk('lasterr'), id)
      redis.call('HDEL', gk('res'), id)
      redis.call('HDEL', gk('prog'), id)
      enter(id, f)
      wake(f[F_QUEUE])
      out[#out + 1] = id
    end
  end
end
return done(out)
