-- queue-health (read only): per queue passed, the run-at of its longest-waiting ready job and the
-- number of active jobs whose lease has expired (stuck: no rescue has run yet), optionally counting
-- only one tenant's jobs.
-- KEYS: the global keys, then the keys of the queues.
-- ARGV (after the queue list): tenant ('' for all).
-- Returns: per queue {oldest run-at or false, stuck}.
-- Cost: without a tenant, one lookup per priority band of each queue's ready set (ready jobs sort by
--   priority first) and the head of its ready list (up to its first live entry, within the first 1,000);
--   with one, the first 1,000 jobs of each queue's ready set and list are read.
local tenant = arg(1)
local result, index = {}, {}
for i, q in ipairs(queueNames()) do
  index[q] = i
  local ready = qk(q, 'queued')
  local oldest = nil
  local function consider(f)
    local runAt = tonumber(f[F_RUN])
    if oldest == nil or runAt < oldest then oldest = runAt end
  end
  -- The ready list is in insertion order: its first live job has waited longest there.
  for _, entry in ipairs(redis.call('LRANGE', qlist(q), 0, 999)) do
    local id = storedId(entry)
    local f = loadJob(id)
    if listedLive(id, f, q) and (tenant == '' or f[F_TENANT] == tenant) then
      consider(f)
      break
    end
  end
  if tenant == '' then
    -- The first job of each priority band is that band's longest-waiting one.
    local first = redis.call('ZRANGE', ready, 0, 0, 'WITHSCORES')
    while first[1] do
      local f = loadJob(readyId(first[1]))
      if f then consider(f) end
      local band = math.floor(tonumber(first[2]) / BAND)
      first = redis.call('ZRANGEBYSCORE', ready, num((band + 1) * BAND), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    end
  else
    for _, m in ipairs(redis.call('ZRANGE', ready, 0, 999)) do
      local f = loadJob(readyId(m))
      if f and f[F_TENANT] == tenant then consider(f) end
    end
  end
  result[i] = {oldest and num(oldest) or false, 0}
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', gk('active'), '-inf', '(' .. num(NOW))) do
  local f = loadJob(id)
  local i = f and index[f[F_QUEUE]]
  if i and (tenant == '' or f[F_TENANT] == tenant) then result[i][2] = result[i][2] + 1 end
end
return result
