-- insert: adds a batch of jobs, all or none.
-- KEYS: the global keys, then the keys of every queue the batch names (see lib.lua).
-- ARGV (after the queue list): n, then per job: id, queue, priority, runAt ('' to use the delay),
--   delayMs, tenant ('' for none), key ('' for none), dedup policy (ignore|replace|reject), and the job's
--   JSON record as the client wrote it (task, payload, options).
-- Returns: {'DUPLICATE', key, existing id} when a `reject` key is taken (nothing written); {'MOVED', queues...}
--   naming every queue whose keys were not passed but whose jobs `replace` would move (nothing written;
--   the caller calls again with them); else per job
--   {outcome, id, state, runAt, createdAt, [stored fields for existing and replaced]}.
-- Wakes the queues' workers for new and replaced jobs, scheduled ones included (they learn the next
--   run-at from their claim).
-- Guarantee: a dedup key is held by at most one unfinished job per tenant: the check and the insert are
--   one atomic step. Run-at and created-at come from Redis TIME. Re-sending the same batch (a reply lost
--   to a dropped connection) inserts nothing twice: a job id already stored reports that job.
local n = tonumber(arg(1))
local W = 9
local function field(i, k) return arg(1 + (i - 1) * W + k) end

-- First pass, before any write: resolve every dedup key against stored jobs and earlier jobs of the batch.
local holder = {}
local batchHolder = {}
local missing, missingSeen = {}, {}
for i = 1, n do
  local key = field(i, 7)
  if key ~= '' and redis.call('HEXISTS', gk('job'), field(i, 1)) == 0 then
    local member = field(i, 6) .. '|' .. key
    local existing = batchHolder[member] or redis.call('HGET', gk('keys'), member)
    if existing then
      holder[i] = existing
      local policy = field(i, 8)
      if policy == 'reject' then return {'DUPLICATE', key, existing} end
      if policy == 'replace' and not batchHolder[member] then
        local f = loadJob(existing)
        if f and not hasQueue(f[F_QUEUE]) and not missingSeen[f[F_QUEUE]] then
          missingSeen[f[F_QUEUE]] = true
          missing[#missing + 1] = f[F_QUEUE]
        end
      end
    else
      batchHolder[member] = field(i, 1)
    end
  end
end

if #missing > 0 then return {'MOVED', unpack(missing)} end

local out = {}
local known = {} -- queues registered by this call
local written = {} -- ids inserted by this call
for i = 1, n do
  local id = field(i, 1)
  local existing = holder[i]
  local runAt = field(i, 4)
  if runAt == '' then runAt = NOW + tonumber(field(i, 5)) else runAt = tonumber(runAt) end
  local state = 'queued'
  if runAt > NOW then state = 'scheduled' end
  if written[id] then
    -- The same id earlier in this batch: report that job.
    local stored = loadJob(id)
    out[i] = {'inserted', id, stored[F_STATE], stored[F_RUN], stored[F_CREATED]}
  elseif existing then
    local f = loadJob(existing)
    -- Only while it has not started (no attempt spent, no crash): a job that ran and waits again keeps its
    -- attempts and errors.
    if field(i, 8) == 'replace' and (f[F_STATE] == 'queued' or f[F_STATE] == 'scheduled')
      and f[F_ATTEMPT] == '0' and f[F_CRASH] == '0' then
      leave(existing, f)
      f[F_STATE] = state
      f[F_RUN] = num(runAt)
      f[F_PRIO] = field(i, 3)
      f[F_QUEUE] = field(i, 2)
      f[F_REC] = field(i, 9)
      redis.call('HSETNX', gk('queues'), f[F_QUEUE], '0')
      enter(existing, f)
      wake(f[F_QUEUE])
      local row = jobFields(existing)
      out[i] = {'replaced', existing, f[F_STATE], f[F_RUN], f[F_CREATED], row}
    else
      out[i] = {'existing', existing, f[F_STATE], f[F_RUN], f[F_CREATED], jobFields(existing)}
    end
  else
    local queue, tenant, key = field(i, 2), field(i, 6), field(i, 7)
    local seq = redis.call('INCR', gk('seq'))
    -- Queued now, default priority, no run-at of its own: insertion order is its claim order (LISTED).
    local token = ''
    if state == 'queued' and runAt == NOW and field(i, 3) == '0' then token = LISTED end
    -- Created-at is left empty when it equals the run-at (every job queued at insert): 13 bytes less a
    -- waiting job. decode fills it from the run-at, which nothing changes without decoding the record
    -- first, and the next write stores it in full.
    local created = num(NOW)
    if runAt == NOW then created = '' end
    local f = {state, num(runAt), '0', '0', num(seq), field(i, 3), queue, tenant, created, '', '', '', '', token,
      '', field(i, 9)}
    if redis.call('HSETNX', gk('job'), id, encodeJob(f)) == 0 then
      -- Stored already (a batch sent again after its reply was lost): report that job, write nothing
      -- more. Its sequence number goes unused.
      local stored = loadJob(id)
      out[i] = {'inserted', id, stored[F_STATE], stored[F_RUN], stored[F_CREATED]}
    else
      written[id] = true
      if key ~= '' then
        local member = tenant .. '|' .. key
        redis.call('HSET', gk('keys'), member, id)
        redis.call('HSET', gk('jkey'), id, member)
      end
      redis.call('XADD', gk('all'), '0-' .. num(seq), 'i', id)
      if not known[queue] then
        known[queue] = true
        redis.call('HSETNX', gk('queues'), queue, '0')
      end
      enter(id, f, true)
      wake(queue)
      out[i] = {'inserted', id, state, num(runAt), num(NOW)}
    end
  end
end
return done(out)
