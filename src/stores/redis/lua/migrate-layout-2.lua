-- migrate-layout-2: converts a namespace from key layout 1 to 2, a slice at a time. Layout 1 kept each
-- job's state string in a hash of its own (`st`); layout 2 keeps it at the front of the job's record.
-- KEYS: the global keys (no queues), then layout 1's `st` hash.
-- ARGV (after the queue list): the HSCAN cursor ('0' to start).
-- Returns: the cursor to call again with, or 'done' once `st` is empty (and deleted).
-- Guarantee: each job is converted in one step (record rewritten and its `st` field deleted together),
--   so a conversion cut short carries on where it stopped. Converting twice is harmless: a record that
--   already starts with a state string (a layout-1 record, the client's JSON alone, starts with '{')
--   gets the state string from `st`, which is the newer one (written by a layout-1 process after the
--   conversion). A line break in a worker id, which layout 1 allowed, becomes a space.
local st = extraKey(1)
local reply = redis.call('HSCAN', st, arg(1), 'COUNT', 500)
local found = reply[2]
for i = 1, #found, 2 do
  local id, state = found[i], string.gsub(found[i + 1], '[\r\n]', ' ')
  local record = redis.call('HGET', gk('job'), id)
  if record then
    if string.sub(record, 1, 1) ~= '{' then
      record = string.sub(record, (string.find(record, '\n', 1, true) or #record) + 1)
    end
    redis.call('HSET', gk('job'), id, state .. '\n' .. record)
  end
  redis.call('HDEL', st, id)
end
if reply[1] ~= '0' then return reply[1] end
if redis.call('HLEN', st) > 0 then return '0' end -- fields the scan passed over: once more
return 'done'
