-- fail: records failed attempts. With a retry delay the job waits in `retrying` until now + delay;
-- without one it is `failed` (its dedup key is freed); a requested cancel wins over both. The error,
-- with the attempt number and the time, becomes the job's last error and joins its history.
-- KEYS: the global keys, then the keys of the queues named by the leases.
-- ARGV (after the queue list): n, then per job: id, token (the part before its dot), queue, retry delay in ms ('' for none),
--   error name, message, code ('' for none), stack ('' for none).
-- Returns: per job {new state, runAt} or false when the lease is stale (nothing changed for it).
-- Guarantee: fenced by the token; the retry time is Redis TIME + delay.
local n = tonumber(arg(1))
local out = {}
for i = 1, n do
  local b = 1 + (i - 1) * 8
  local id, delay = arg(b + 1), arg(b + 4)
  local f = leased(id, arg(b + 2), arg(b + 3))
  if not f then
    out[i] = false
  else
    leave(id, f)
    local entry = {attempt = tonumber(f[F_ATTEMPT]), at = NOW, name = arg(b + 5), message = arg(b + 6)}
    if arg(b + 7) ~= '' then entry.code = arg(b + 7) end
    if arg(b + 8) ~= '' then entry.stack = arg(b + 8) end
    addError(id, entry)
    if f[F_CANCEL] ~= '' then
      f[F_STATE] = 'cancelled'
    elseif delay == '' then
      f[F_STATE] = 'failed'
    else
      f[F_STATE] = 'retrying'
      f[F_RUN] = num(NOW + tonumber(delay))
    end
    if f[F_STATE] ~= 'retrying' then f[F_FINISHED] = num(NOW) end
    f[F_LEASE] = ''
    f[F_TOKEN] = ''
    enter(id, f)
    if f[F_STATE] ~= 'retrying' then freeKey(id) end
    out[i] = {f[F_STATE], f[F_RUN]}
  end
end
return done(out)
