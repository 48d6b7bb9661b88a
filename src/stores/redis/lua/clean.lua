-- clean: deletes up to `limit` jobs (with their logs) of the queues passed that reached `state`
-- (completed, failed or cancelled) more than olderThanMs ago, oldest first. Retention pruning uses it.
-- KEYS: the global keys, then the keys of the queues to clean.
-- ARGV (after the queue list): state, olderThanMs, limit.
-- Returns: the number of jobs deleted.
-- Guarantee: the cutoff is Redis TIME - olderThanMs.
local state, cutoff, limit = arg(1), NOW - tonumber(arg(2)), tonumber(arg(3))
local removed = 0
for _, q in ipairs(queueNames()) do
  if removed >= limit then break end
  local ids = redis.call('ZRANGEBYSCORE', qk(q, state), '-inf', '(' .. num(cutoff), 'LIMIT', 0, limit - removed)
  for _, id in ipairs(ids) do
    destroy(id, loadJob(id))
    removed = removed + 1
  end
end
return removed
