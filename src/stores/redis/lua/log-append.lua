-- log-append: adds log lines to jobs, each to the end of its job's log list as [seq, at, attempt,
-- message] JSON; seq grows across the store.
-- KEYS: the global keys (no queues), then each line's job's log list, in the order of the lines.
-- ARGV (after the queue list): n, then per line: job id, attempt, message.
-- Guarantee: `at` is Redis TIME. Lines of an unknown (e.g. removed) job are dropped.
local n = tonumber(arg(1))
for i = 1, n do
  local b = 1 + (i - 1) * 3
  if redis.call('HEXISTS', gk('job'), arg(b + 1)) == 1 then
    local seq = redis.call('INCR', gk('logseq'))
    redis.call('RPUSH', extraKey(i), cjson.encode({seq, NOW, tonumber(arg(b + 2)), arg(b + 3)}))
  end
end
return n
