-- token-create: stores an API token (the hash of its secret, never the secret), created now.
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): id, secret hash, role, tenant ('' for none), name ('' for none).
-- Returns: the creation time (Redis TIME, ms).
local record = {secretHash = arg(2), role = arg(3), createdAt = NOW}
if arg(4) ~= '' then record.tenant = arg(4) end
if arg(5) ~= '' then record.name = arg(5) end
redis.call('HSET', gk('tokens'), arg(1), cjson.encode(record))
return num(NOW)
