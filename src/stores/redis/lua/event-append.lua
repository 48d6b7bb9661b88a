-- event-append: appends events, in order, to the namespace's event stream and wakes event listeners in
-- every process. Stream ids ("<ms>-<n>", Redis TIME) are the event ids: increasing, resumable.
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): n, then per event its JSON tuple [type, jobId, queue, task, tenant, data].
local n = tonumber(arg(1))
for i = 1, n do redis.call('XADD', gk('events'), '*', 'e', arg(1 + i)) end
redis.call('PUBLISH', ARGV[1] .. ':events', n)
return n
