-- remove: deletes jobs that are not active, with their logs.
-- KEYS: the global keys, then the keys of the queues of the jobs, then each job's log list (in order).
-- ARGV (after the queue list): n, then the job ids.
-- Returns: the ids deleted, or {'MOVED', queue...} (nothing written) when a job's queue was not passed.
local n = tonumber(arg(1))
local ids = {}
for i = 1, n do ids[i] = arg(1 + i) end
local moved = missingQueues(ids)
if moved then return moved end
local out = {}
for i, id in ipairs(ids) do
  local f = loadJob(id)
  if f and f[F_STATE] ~= 'active' then
    destroy(id, f, extraKey(i))
    out[#out + 1] = id
  end
end
return done(out)
