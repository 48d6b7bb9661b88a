-- event-prune: deletes events recorded more than olderThanMs ago.
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): olderThanMs.
-- Returns: the number of events deleted. Guarantee: the cutoff is Redis TIME - olderThanMs.
return redis.call('XTRIM', gk('events'), 'MINID', num(NOW - tonumber(arg(1))))
