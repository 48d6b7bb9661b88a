-- clean: deletes, with their logs, the jobs named (found by clean-find.lua) that are still in `state`
-- and reached it more than olderThanMs ago; a job retried or removed in between is left alone.
-- Retention pruning uses it.
-- KEYS: the global keys, then the keys of the jobs' queues, then each job's log list (in order).
-- ARGV (after the queue list): state, olderThanMs, n, then the job ids.
-- Returns: the number of jobs deleted, or {'MOVED', queue...} (nothing written) when a job's queue was
--   not passed.
-- Guarantee: the cutoff is Redis TIME - olderThanMs, checked again here.
local state, cutoff, n = arg(1), NOW - tonumber(arg(2)), tonumber(arg(3))
local ids = {}
for i = 1, n do ids[i] = arg(3 + i) end
local moved = missingQueues(ids)
if moved then return moved end
local removed = 0
for i, id in ipairs(ids) do
  local f = loadJob(id)
  if f and f[F_STATE] == state and tonumber(f[F_FINISHED]) < cutoff then
    destroy(id, f, extraKey(i))
    removed = removed + 1
  end
end
return done(removed)
