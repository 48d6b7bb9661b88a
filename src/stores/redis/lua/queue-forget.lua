-- queue-forget: drops the one queue passed from the namespace's queues (its name and paused flag) and
-- deletes its index keys (empty but for stale ready-list entries), when it holds no job in any state;
-- else changes nothing.
-- KEYS: the global keys, then the queue's keys.
-- ARGV (after the queue list): none.
-- Returns: {1, 0} when forgotten; {0, n} when the queue holds n jobs.
-- Guarantee: one atomic step against inserts; a job inserted afterwards registers the queue again.
local q = queueNames()[1]
local n = 0
for _, state in ipairs({'scheduled', 'queued', 'active', 'retrying', 'blocked', 'completed', 'failed', 'cancelled'}) do
  n = n + tonumber(redis.call('HGET', gk('cnt'), q .. '|' .. state) or '0')
end
if n > 0 then return {0, n} end
redis.call('HDEL', gk('queues'), q)
redis.call('DEL', qk(q, 'queued'), qk(q, 'scheduled'), qk(q, 'completed'), qk(q, 'failed'), qk(q, 'cancelled'),
  qlist(q))
return {1, 0}
