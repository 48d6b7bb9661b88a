-- worker-remove: removes a worker from the registry (it stopped).
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): worker id.
redis.call('HDEL', gk('workers'), arg(1))
redis.call('ZREM', gk('wexp'), arg(1))
return 1
