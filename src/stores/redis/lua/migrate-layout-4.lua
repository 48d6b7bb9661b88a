-- migrate-layout-4: converts a namespace to key layout 4, a slice at a time: jobs stored under their
-- UUIDs move to their 22-character stored ids (see storedId) in every hash and sorted set that holds
-- them. Ready lists and the `all` stream keep the UUIDs they hold (their readers take both forms), and
-- so do log lists, whose keys name jobs by UUID in every layout. State strings and client parts keep
-- their older spelling until a job is next written (decode and records.ts read both).
-- KEYS: the global keys, then the keys of the queues passed, then the marker: a string holding the HSCAN
--   cursor of the conversion, present until it ends.
-- ARGV (after the queue list): none.
-- Returns: 'more', 'done' (the marker deleted), or {'MOVED', queue...} (nothing written) when a job of
--   the slice belongs to a queue whose keys were not passed.
-- Guarantee: each job moves in one step (all its fields and index entries together), so a conversion
--   cut short carries on where it stopped; an id already stored in the new form is left alone.
local marker = extraKey(1)
local cursor = redis.call('GET', marker)
if not cursor then return 'done' end
local reply = redis.call('HSCAN', gk('job'), cursor, 'COUNT', 200)
local found = reply[2]
local todo = {}
local missing, seen = {'MOVED'}, {}
for i = 1, #found, 2 do
  local old = found[i]
  local id = storedId(old)
  if id ~= old then
    local f = decode(found[i + 1])
    todo[#todo + 1] = {old, id, f}
    if f then noteMissing(missing, seen, f[F_QUEUE]) end
  end
end
if #missing > 1 then return missing end

-- Moves `old`'s entry in sorted set `key` to `new`, score kept.
local function rename(key, old, new)
  local score = redis.call('ZSCORE', key, old)
  if score then
    redis.call('ZREM', key, old)
    redis.call('ZADD', key, score, new)
  end
end

for _, job in ipairs(todo) do
  local old, id, f = job[1], job[2], job[3]
  for _, h in ipairs({'job', 'prog', 'res', 'lasterr', 'errs', 'jkey'}) do
    local v = redis.call('HGET', gk(h), old)
    if v then
      redis.call('HSET', gk(h), id, v)
      redis.call('HDEL', gk(h), old)
    end
  end
  local member = redis.call('HGET', gk('jkey'), id)
  if member and redis.call('HGET', gk('keys'), member) == old then redis.call('HSET', gk('keys'), member, id) end
  if f then
    local state = f[F_STATE]
    if state == 'queued' then
      if f[F_TOKEN] ~= LISTED then rename(qk(f[F_QUEUE], state), readyMember(old, f), readyMember(id, f)) end
    elseif state == 'active' then
      rename(gk('active'), old, id)
    elseif QOFF[state] then
      rename(qk(f[F_QUEUE], state), old, id)
    end
  end
end
if reply[1] == '0' then
  redis.call('DEL', marker)
  return 'done'
end
redis.call('SET', marker, reply[1])
return 'more'
