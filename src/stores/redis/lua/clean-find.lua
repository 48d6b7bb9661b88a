-- clean-find (read only): up to `limit` jobs of the queues passed that reached `state` (completed,
-- failed or cancelled) more than olderThanMs ago, oldest first: the candidates clean.lua then deletes.
-- KEYS: the global keys, then the keys of the queues to look in.
-- ARGV (after the queue list): state, olderThanMs, limit.
-- Returns: the ids.
local state, cutoff, limit = arg(1), NOW - tonumber(arg(2)), tonumber(arg(3))
local out = {}
for _, q in ipairs(queueNames()) do
  if #out >= limit then break end
  local ids = redis.call('ZRANGEBYSCORE', qk(q, state), '-inf', '(' .. num(cutoff), 'LIMIT', 0, limit - #out)
  for _, id in ipairs(ids) do out[#out + 1] = id end
end
return out
