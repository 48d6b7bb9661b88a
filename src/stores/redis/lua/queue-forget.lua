-- queue-forget: drops the one queue passed from the namespace's queues and deletes its index keys (empty
-- but for stale ready-list entries), when it holds no job in any state and is not paused; else changes
-- nothing.
-- KEYS: the global keys, then the queue's keys.
-- ARGV (after the queue list): none.
-- Returns: {forgotten (1 or 0), jobs it holds, paused (1 or 0)}.
-- Guarantee: one atomic step against inserts and pauses; a job inserted afterwards registers the queue
-- again.
local q = queueNames()[1]
if redis.call('HGET', gk('queues'), q) == '1' then return {0, 0, 1} end
local n = 0
for _, state in ipairs({'scheduled', 'queued', 'active', 'retrying', 'blocked', 'completed', 'failed', 'cancelled'}) do
  n = n + tonumber(redis.call('HGET', gk('cnt'), q .. '|' .. state) or '0')
end
if n > 0 then return {0, n, 0} end
redis.call('HDEL', gk('queues'), q)
redis.call('DEL', qk(q, 'queued'), qk(q, 'scheduled'), qk(q, 'completed'), qk(q, 'failed'), qk(q, 'cancelled'),
  qlist(q))
return {1, 0, 0}
