-- log-append: adds log lines to jobs. Each line is stored as [seq, at, attempt, message] JSON, one per
-- line, in the job's field of the `log` hash; seq grows across the store.
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): n, then per line: job id, attempt, message.
-- Guarantee: `at` is Redis TIME. Lines of an unknown (e.g. removed) job are dropped.
local n = tonumber(arg(1))
for i = 1, n do
  local b = 1 + (i - 1) * 3
  local id = arg(b + 1)
  if redis.call('HEXISTS', gk('st'), id) == 1 then
    local seq = redis.call('INCR', gk('logseq'))
    local line = cjson.encode({seq, NOW, tonumber(arg(b + 2)), arg(b + 3)})
    local cur = redis.call('HGET', gk('log'), id)
    if cur then line = cur .. '\n' .. line end
    redis.call('HSET', gk('log'), id, line)
  end
end
return n
