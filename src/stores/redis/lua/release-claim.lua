-- release-claim: gives back every job still leased by one claim, as release does with no delay: `queued`
-- now, or `cancelled` (key freed) if a cancel was requested; the attempt is not spent. For a claim whose
-- caller never saw its reply.
-- KEYS: the global keys, then the keys of the queues of the claim's jobs (see Returns).
-- ARGV (after the queue list): the claim's nonce.
-- Returns: id, new state, id, new state... of the jobs given back, or {'MOVED', queue...} (nothing
--   written) naming the queues of the claim's jobs whose keys were not passed.
-- Guarantee: only jobs whose lease token is still this claim's (`<nonce>-<seq>`) move. Cost: reads the
--   record of every active job (the claim's jobs are found through the `active` set), decoding only
--   those that hold the nonce.
local nonce = arg(1)
local mark = '|' .. nonce .. '-'
local mine = {}
local missing, seen = {'MOVED'}, {}
for _, id in ipairs(redis.call('ZRANGE', gk('active'), 0, -1)) do
  local s = redis.call('HGET', gk('job'), id)
  local f = s and string.find(s, mark, 1, true) and decode(s)
  if f and f[F_STATE] == 'active' and f[F_TOKEN] == nonce .. '-' .. f[F_SEQ] then
    mine[#mine + 1] = {id, f}
    noteMissing(missing, seen, f[F_QUEUE])
  end
end
if #missing > 1 then return missing end
local out = {}
for _, job in ipairs(mine) do
  local id, f = job[1], job[2]
  handBack(id, f, 0)
  out[#out + 1] = id
  out[#out + 1] = f[F_STATE]
end
return done(out)
