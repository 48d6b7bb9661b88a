-- worker-list (read only): live workers, those whose registration has not expired (Redis TIME).
-- KEYS: the global keys (no queues).
-- Returns: per worker "<lastSeenAt>|<info JSON>".
local ids = redis.call('ZRANGEBYSCORE', gk('wexp'), '(' .. num(NOW), '+inf')
if #ids == 0 then return {} end
local out = {}
for i, v in ipairs(redis.call('HMGET', gk('workers'), unpack(ids))) do
  if v then out[#out + 1] = v end
end
return out
