-- queue-pause: pauses (flag '1') or resumes (flag '0') the one queue passed; idempotent. Resuming wakes
-- its workers. Claims skip a paused queue; running jobs finish.
-- KEYS: the global keys, then the queue's keys.
-- ARGV (after the queue list): flag.
local q = queueNames()[1]
redis.call('HSET', gk('queues'), q, arg(1))
if arg(1) == '0' then wake(q) end
return 1
