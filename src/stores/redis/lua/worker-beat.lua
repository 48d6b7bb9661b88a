-- worker-beat: registers or refreshes a live worker until now + ttlMs, and forgets expired ones.
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): worker id, its info as JSON, ttlMs.
-- Guarantee: expiry is Redis TIME.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', gk('wexp'), '-inf', num(NOW))) do
  redis.call('HDEL', gk('workers'), id)
end
redis.call('ZREMRANGEBYSCORE', gk('wexp'), '-inf', num(NOW))
redis.call('HSET', gk('workers'), arg(1), num(NOW) .. '|' .. arg(2))
redis.call('ZADD', gk('wexp'), NOW + tonumber(arg(3)), arg(1))
return 1
