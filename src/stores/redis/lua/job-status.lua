-- job-status (read only): the state strings of jobs, without their payloads, for lists and lease checks.
-- KEYS: the global keys (no queues).
-- ARGV (after the queue list): withRecords ('1': whole records, state string and client JSON), then the
--   job ids.
-- Returns: per id its state string (or whole record), false for an unknown id.
local whole = arg(1) == '1'
local out = {}
for i = 2, #ARGV - 2 - NQ do
  local v = redis.call('HGET', gk('job'), arg(i))
  local newline = v and string.find(v, '\n', 1, true)
  if not newline then
    v = false -- unknown, or not a record of this layout
  elseif not whole then
    v = string.sub(v, 1, newline - 1)
  end
  out[i - 1] = v
end
return out
