-- queue-health (read only): per queue passed, the run-at of its longest-waiting ready job and the
-- number of active jobs whose lease has expired (stuck: no rescue has run yet), optionally counting
-- only one tenant's jobs.
-- KEYS: the global keys, then the keys of the queues.
-- ARGV (after the queue list): tenant ('' for all).
-- Returns: per queue {oldest run-at or false, stuck}.
-- Cost: without a tenant, one lookup per priority band of each queue (ready jobs sort by priority first);
--   with one, the first 1,000 ready jobs of each queue are read.
local tenant = arg(1)
local result, index = {}, {}
for i, q in ipairs(queueNames()) do
  index[q] = i
  local ready = qk(q, 'queued')
  local oldest = nil
  local function consider(member)
    local runAt = tonumber(string.sub(member, 4, 15), 16)
    if oldest == nil or runAt < oldest then oldest = runAt end
  end
  if tenant == '' then
    local first = redis.call('ZRANGE', ready, 0, 0)[1]
    while first do
      consider(first)
      local band = tonumber(string.sub(first, 1, 3), 16)
      first = redis.call('ZRANGE', ready, '[' .. string.format('%03x', band + 1), '+', 'BYLEX', 'LIMIT', 0, 1)[1]
    end
  else
    for _, m in ipairs(redis.call('ZRANGE', ready, 0, 999)) do
      local f = loadJob(string.sub(m, 26))
      if f and f[F_TENANT] == tenant then consider(m) end
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
