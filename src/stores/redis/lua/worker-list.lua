-- worker-list (read only): live workers, those whose registration has not expired (Redis TIME).
-- KEYS: the global keys (no queues).
-- Returns: per worker "<lastSeenAt>|<info JSON>".
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', gk('wexp'), '(' .. num(NOW), '+inf')) do
  local v = redis.call('HGET', gk('workers'), id)
  if v then out[#out + 1] = v end
end
return out
