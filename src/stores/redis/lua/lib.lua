-- lib: helpers shared by every Fila script; scripts/gen-sql.mjs puts before each script the parts of this
-- file it uses (it is never run on its own). Everything here is local to the script that includes it.
--
-- Calling convention (the same for every script, so one table in keys.ts describes it):
--   KEYS[1..18]  the namespace's global keys, in the order of the G table below;
--   KEYS[19..]   six keys per queue named in ARGV: ready set, delayed, completed, failed, cancelled,
--                ready list; then
--                the script's own keys, if any (jobs' log lists, read through extraKey(i));
--   ARGV[1]      the namespace's pub/sub channel prefix (wake-ups: <prefix>:wake, <prefix>:events);
--   ARGV[2]      n, the number of queues whose keys follow the global ones; ARGV[3..2+n] their names;
--   ARGV[3+n..]  the script's own arguments (read through arg(i)).
-- All keys carry one hash tag, so a script never spans Cluster slots. A script that meets a job of a
-- queue whose keys were not passed writes nothing and returns {'MOVED', queue...}; the store then calls
-- it again with those queues' keys too.
--
-- A job is stored in fields of a few namespace-wide hashes, keyed by its stored id (22 characters, see
-- storedId): `job` (its record: the mutable state, a '|'-separated string, then a newline and what the
-- client gave, written by the client and never parsed here; see decode), `prog`, `res`, `lasterr`, `errs`, `jkey` (its dedup key).
-- Its log lines are a list of its own, `log:<UUID>`, passed to the scripts that touch it.
-- Every job has an entry "0-<seq>" in the `all` stream, the insertion-order index that lists walk (a
-- stream entry measured about 90 bytes less than a sorted-set entry). Its id also sits in exactly one
-- index for its state (stale ready-list entries aside, see LISTED): the queue's ready list or ready
-- set (queued; see LISTED and readyScore), its `delayed` set (scheduled and retrying, by run-at), the
-- global `active` set (by lease expiry), or the queue's set for its terminal state (by finish time).
-- Time is Redis TIME (the store clock); numbers are written with %d, never Lua's 14-digit tostring.

local G = {
  seq = 1, job = 2, prog = 3, res = 4, lasterr = 5, errs = 6, jkey = 7, keys = 8, all = 9,
  active = 10, queues = 11, cnt = 12, logseq = 13, events = 14, tokens = 15, workers = 16, wexp = 17,
  version = 18,
}
local NG = 18
local function gk(name) return KEYS[G[name]] end

local NQ = tonumber(ARGV[2])
local QI = {}
for i = 1, NQ do QI[ARGV[2 + i]] = NG + (i - 1) * 6 end
local QOFF = {queued = 1, scheduled = 2, retrying = 2, completed = 3, failed = 4, cancelled = 5}
-- The key of `queue`'s index for `state`.
local function qk(queue, state) return KEYS[QI[queue] + QOFF[state]] end
-- The key of `queue`'s ready list (see LISTED).
local function qlist(queue) return KEYS[QI[queue] + 6] end
local function hasQueue(queue) return QI[queue] ~= nil end
local function queueNames()
  local out = {}
  for i = 1, NQ do out[i] = ARGV[2 + i] end
  return out
end
local function arg(i) return ARGV[2 + NQ + i] end
local function extraKey(i) return KEYS[NG + NQ * 6 + i] end

local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function num(n) return string.format('%d', n) end

-- Job ids are stored in 22 characters, not as 36-character UUIDs (see ids.ts, which converts them on
-- the way in and out; key layout 4). Ready-list entries written before layout 4 may still be UUIDs:
-- storedId gives the form an id read from there is stored under (a stored id has 22 characters, or
-- starts with '~': an id that is not a UUID, kept as it is behind it).
local ID_ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'
local function storedId(id)
  if #id == 22 or string.sub(id, 1, 1) == '~' then return id end
  if #id ~= 36 or not string.find(id, '^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$')
    or string.find(id, '%u') then
    return '~' .. id
  end
  local hex, out = string.gsub(id, '-', '') .. '0', {}
  for i = 1, 33, 3 do
    local n = tonumber(string.sub(hex, i, i + 2), 16)
    local hi, lo = math.floor(n / 64), n % 64
    out[#out + 1] = string.sub(ID_ALPHABET, hi + 1, hi + 1) .. string.sub(ID_ALPHABET, lo + 1, lo + 1)
  end
  return table.concat(out)
end

-- A job's record (its `job` field) is the state string, a newline, then the client's part (see
-- records.ts). The state string's fields, in order: 1 state (its letter, see STATE_CODES), 2 runAt,
-- 3 attempt, 4 crashCount, 5 seq, 6 priority, 7 queue, 8 tenant ('' for none), 9 createdAt ('' at
-- insert when equal to runAt), 10 startedAt, 11 finishedAt, 12 leaseExpiresAt, 13 cancelRequestedAt,
-- 14 lease token, 15 workerId (may contain '|', never a newline: the store refuses one), so the first
-- newline ends it. '' is null. Decoded, the client's part is field 16. One field per job rather than two (state and client part in separate
-- hashes) measured about 120 bytes a job less, and one call fewer per insert and per claimed job.
local F_STATE, F_RUN, F_ATTEMPT, F_CRASH, F_SEQ, F_PRIO, F_QUEUE, F_TENANT = 1, 2, 3, 4, 5, 6, 7, 8
local F_CREATED, F_STARTED, F_FINISHED, F_LEASE, F_CANCEL, F_TOKEN, F_WORKER, F_REC = 9, 10, 11, 12, 13, 14, 15, 16

-- One string.match splits the 15 fields in C: measured 1.45 µs a decode, against 2.3 µs for a loop of
-- string.find and string.sub (this matters: a claim and a completion decode every job they touch).
-- The pattern is '^', 14 times '([^|]*)|', then '([^\n]*)\n()', written out as one literal: building it
-- with string.rep and .. cost every call 0.7 µs. The last capture is where the client's JSON starts.
local RECORD_PATTERN =
  '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^\n]*)\n()'
-- A stored record spells its state in one letter (5 bytes a queued job less; layout 4); decode gives the
-- name, and takes a name too (records written before layout 4).
local STATE_CODES = {
  queued = 'q', scheduled = 's', active = 'a', retrying = 'r', blocked = 'b', completed = 'c', failed = 'f',
  cancelled = 'x',
}
local STATE_NAMES = {
  q = 'queued', s = 'scheduled', a = 'active', r = 'retrying', b = 'blocked', c = 'completed', f = 'failed',
  x = 'cancelled',
}
-- Returns nil for a record that is not of this layout (nothing then reads or writes it as a job).
local function decode(s)
  local f = {string.match(s, RECORD_PATTERN)}
  if not f[F_REC] then return nil end
  f[F_REC] = string.sub(s, f[F_REC])
  f[F_STATE] = STATE_NAMES[f[F_STATE]] or f[F_STATE]
  if f[F_CREATED] == '' then f[F_CREATED] = f[F_RUN] end -- see insert.lua: written again in full
  return f
end
-- The stored form of decoded fields `f`.
local function encodeJob(f)
  local state = f[F_STATE]
  f[F_STATE] = STATE_CODES[state] or state
  local s = table.concat(f, '|', 1, 15) .. '\n' .. f[F_REC]
  f[F_STATE] = state
  return s
end

local function loadJob(id)
  local s = redis.call('HGET', gk('job'), id)
  if not s then return nil end
  return decode(s)
end

-- Ready jobs sort by priority (high first), run-at, then insertion. The score holds the first two: the
-- priority band (1000 - priority, 0..2000) times 2^42, plus the run-at in ms since 2020 (clamped to
-- 0..2^42-1, years 2020-2159; a ready job's run-at has passed, so only a run-at chosen before 2020 is
-- clamped, and such jobs then keep their insertion order). That stays below 2^53, exact in a double.
-- Equal scores sort by member: the sequence number in 7 base-62 digits, then the id. Measured: 32 bytes
-- a queued job less than a member spelling all three out in hex.
local BAND = 4398046511104 -- 2^42
local EPOCH = 1577836800000 -- 2020-01-01, ms
local B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
local SEQ_DIGITS = 7
local function readyScore(f)
  local at = tonumber(f[F_RUN]) - EPOCH
  if at < 0 then at = 0 elseif at >= BAND then at = BAND - 1 end
  return num((1000 - tonumber(f[F_PRIO])) * BAND + at)
end
local function readyMember(id, f)
  local n, digits = tonumber(f[F_SEQ]), {}
  for i = SEQ_DIGITS, 1, -1 do
    local d = n % 62
    digits[i] = string.sub(B62, d + 1, d + 1)
    n = (n - d) / 62
  end
  return table.concat(digits) .. id
end
local function readyId(member) return string.sub(member, SEQ_DIGITS + 1) end
-- The sequence number a ready-set member starts with.
local function readySeq(member)
  local n = 0
  for i = 1, SEQ_DIGITS do n = n * 62 + string.find(B62, string.sub(member, i, i), 1, true) - 1 end
  return n
end

-- Most jobs are queued at insert with the default priority and no run-at of their own: their claim order
-- is their insertion order, so they wait in the queue's ready list (an id costs about 38 bytes there,
-- against about 136 for a sorted-set entry) instead of its ready set. Such a job's lease-token field
-- holds LISTED while it waits. Jobs queued any other way (a priority, a run-at chosen before now, a
-- promotion, a retry, a release, a replace) go to the ready set, and a claim merges the two. An entry
-- leaves the list only from its head: a job that leaves `queued` otherwise (cancel, remove, replace)
-- clears LISTED and its entry goes stale, dropped when a claim meets it.
local LISTED = 'L'
-- A claim stops reading a queue's list after the page that passes this many entries, stale ones
-- included; a page is the claim's limit, at least LIST_PAGE.
local LIST_SCAN, LIST_PAGE = 10000, 200
-- Whether `id`, read from `queue`'s ready list, is still waiting there.
local function listedLive(id, f, queue)
  return f ~= nil and f[F_STATE] == 'queued' and f[F_TOKEN] == LISTED and f[F_QUEUE] == queue
end

-- Index writes are buffered per key and sent as one ZADD or ZREM per key and run (a claim of 100 jobs:
-- one ZADD of 100 members to `active` instead of 100 calls; a batch of completions: one ZREM and one
-- ZADD). A key's writes keep their order: switching between adding and removing sends what is buffered
-- first. Everything is sent before the script reads an index (the claim's reads) and when it returns
-- (done), so every read sees every earlier write.
local pend, pendKeys = {}, {}
local function flushKey(key)
  local p = pend[key]
  if not p or #p.items == 0 then return end
  local step = 1000
  for i = 1, #p.items, step do
    redis.call(p.cmd, key, unpack(p.items, i, math.min(i + step - 1, #p.items)))
  end
  p.items = {}
end
local function flushIndexes()
  for _, key in ipairs(pendKeys) do flushKey(key) end
  pend, pendKeys = {}, {}
end
local function later(cmd, key, a, b)
  local p = pend[key]
  if not p then
    p = {cmd = cmd, items = {}}
    pend[key] = p
    pendKeys[#pendKeys + 1] = key
  elseif p.cmd ~= cmd then
    flushKey(key)
    p.cmd = cmd
  end
  local items = p.items
  items[#items + 1] = a
  if b then items[#items + 1] = b end
end

-- Counter deltas are summed here and written once, by done(), when the script returns: a claim of 100
-- jobs then moves two counters by 100 each instead of calling HINCRBY 200 times. A script that changes
-- states must return through done().
local deltas, deltaOrder = {}, {}
local function bump(field, delta)
  local d = deltas[field]
  if d == nil then deltaOrder[#deltaOrder + 1] = field end
  deltas[field] = (d or 0) + delta
end
local function count(f, delta)
  bump(f[F_QUEUE] .. '|' .. f[F_STATE], delta)
  if f[F_TENANT] ~= '' then bump(f[F_QUEUE] .. '|' .. f[F_STATE] .. '|' .. f[F_TENANT], delta) end
end
-- Writes the summed counter deltas; returns `reply`.
local function done(reply)
  flushIndexes()
  for _, field in ipairs(deltaOrder) do
    -- A count back at zero is deleted: tenants and queues that come and go leave no fields behind.
    if deltas[field] ~= 0 and redis.call('HINCRBY', gk('cnt'), field, deltas[field]) == 0 then
      redis.call('HDEL', gk('cnt'), field)
    end
  end
  deltas, deltaOrder = {}, {}
  return reply
end

-- Takes a job out of the index of its current state (call before changing f).
local function leave(id, f)
  local state = f[F_STATE]
  if state == 'queued' then
    if f[F_TOKEN] == LISTED then
      f[F_TOKEN] = '' -- its list entry goes stale
    else
      later('ZREM', qk(f[F_QUEUE], state), readyMember(id, f))
    end
  elseif state == 'active' then
    later('ZREM', gk('active'), id)
  else
    later('ZREM', qk(f[F_QUEUE], state), id)
  end
  count(f, -1)
end

-- Puts a job in the index of its (new) state and saves it (unless `stored`: the caller wrote it).
local function enter(id, f, stored)
  local state = f[F_STATE]
  if state == 'queued' then
    if f[F_TOKEN] == LISTED then
      later('RPUSH', qlist(f[F_QUEUE]), id)
    else
      later('ZADD', qk(f[F_QUEUE], state), readyScore(f), readyMember(id, f))
    end
  elseif state == 'active' then
    later('ZADD', gk('active'), f[F_LEASE], id)
  elseif state == 'scheduled' or state == 'retrying' then
    later('ZADD', qk(f[F_QUEUE], state), f[F_RUN], id)
  else
    later('ZADD', qk(f[F_QUEUE], state), f[F_FINISHED], id)
  end
  count(f, 1)
  if not stored then redis.call('HSET', gk('job'), id, encodeJob(f)) end
end

local function save(id, f)
  redis.call('HSET', gk('job'), id, encodeJob(f))
end

-- Releases the job's dedup key, if it holds one (the key is unique among unfinished jobs only).
local function freeKey(id)
  local member = redis.call('HGET', gk('jkey'), id)
  if member and redis.call('HGET', gk('keys'), member) == id then redis.call('HDEL', gk('keys'), member) end
end

local function addError(id, entry)
  local json = cjson.encode(entry)
  redis.call('HSET', gk('lasterr'), id, json)
  local all = redis.call('HGET', gk('errs'), id)
  if all then
    redis.call('HSET', gk('errs'), id, string.sub(all, 1, -2) .. ',' .. json .. ']')
  else
    redis.call('HSET', gk('errs'), id, '[' .. json .. ']')
  end
end

-- Everything stored about a job, as the store's reads return it (see records.ts): id, client JSON, state
-- string, progress, result, last error, errors (false where missing).
local function jobFields(id)
  local f = loadJob(id)
  return {
    id,
    f and f[F_REC] or false,
    f and table.concat(f, '|', 1, 15) or false,
    redis.call('HGET', gk('prog'), id),
    redis.call('HGET', gk('res'), id),
    redis.call('HGET', gk('lasterr'), id),
    redis.call('HGET', gk('errs'), id),
  }
end

-- Deletes a job and everything it owns, its log list (`logKey`) included.
local function destroy(id, f, logKey)
  leave(id, f)
  freeKey(id)
  for _, h in ipairs({'job', 'prog', 'res', 'lasterr', 'errs', 'jkey'}) do
    redis.call('HDEL', gk(h), id)
  end
  redis.call('DEL', logKey)
  redis.call('XDEL', gk('all'), '0-' .. f[F_SEQ])
end

-- Tells listening workers that `queue` has ready work (once per queue per script).
local woken = {}
local function wake(queue)
  if woken[queue] then return end
  woken[queue] = true
  redis.call('PUBLISH', ARGV[1] .. ':wake', queue)
end

-- Returns {'MOVED', queue...} for the queues of `ids` whose keys were not passed, or nil.
-- Adds `queue` to `missing` (a {'MOVED', queue...} reply being built) if its keys were not passed, once.
local function noteMissing(missing, seen, queue)
  if not hasQueue(queue) and not seen[queue] then
    seen[queue] = true
    missing[#missing + 1] = queue
  end
end

local function missingQueues(ids)
  local missing, seen = {'MOVED'}, {}
  for _, id in ipairs(ids) do
    local f = loadJob(id)
    if f then noteMissing(missing, seen, f[F_QUEUE]) end
  end
  if #missing > 1 then return missing end
  return nil
end

-- Reads one fenced lease: the job's fields when `nonce` is its current lease in `queue`, else nil.
local function leased(id, nonce, queue)
  local f = loadJob(id)
  if not f or f[F_STATE] ~= 'active' or f[F_TOKEN] ~= nonce or f[F_QUEUE] ~= queue then return nil end
  return f
end

-- Gives a leased job back without spending its attempt: `queued` now, or `scheduled` after `delay` ms;
-- `cancelled` (key freed) if a cancel was requested. Saves it and wakes its queue's workers when queued.
local function handBack(id, f, delay)
  leave(id, f)
  if f[F_CANCEL] ~= '' then
    f[F_STATE] = 'cancelled'
    f[F_FINISHED] = num(NOW)
  elseif delay > 0 then
    f[F_STATE] = 'scheduled'
  else
    f[F_STATE] = 'queued'
  end
  f[F_RUN] = num(NOW + delay)
  f[F_ATTEMPT] = num(tonumber(f[F_ATTEMPT]) - 1)
  f[F_LEASE] = ''
  f[F_TOKEN] = ''
  enter(id, f)
  if f[F_STATE] == 'cancelled' then freeKey(id) end
  if f[F_STATE] == 'queued' then wake(f[F_QUEUE]) end
end

-- Moves up to `limit` scheduled and retrying jobs of queue `q` whose run-at has passed to its ready set,
-- oldest run-at first. Returns how many it moved.
local function promoteDue(q, limit)
  flushIndexes()
  local due = redis.call('ZRANGEBYSCORE', qk(q, 'scheduled'), '-inf', NOW, 'LIMIT', 0, limit)
  local moved = 0
  for _, id in ipairs(due) do
    local f = loadJob(id)
    if f then
      leave(id, f)
      f[F_STATE] = 'queued'
      enter(id, f)
      moved = moved + 1
    else
      redis.call('ZREM', qk(q, 'scheduled'), id) -- an index entry without a job: drop it
    end
  end
  return moved
end

-- The claim, shared by claim.lua and complete.lua (acknowledge-and-fetch). Promotes due scheduled and
-- retrying jobs of the queues (at most 1,000 per queue per claim), then leases the best `limit` ready
-- jobs across the queues that are not paused, from their ready sets and ready lists. Returns {now,
-- nextRunAt or false, {id, static, state, errors}...}; nextRunAt is now when a list held more stale
-- entries than one claim reads (claim again at once).
local function claimJobs(names, limit, leaseMs, worker, nonce)
  local queues, named = {}, {}
  for _, q in ipairs(names) do -- a queue named twice is claimed from once
    if not named[q] then
      named[q] = true
      queues[#queues + 1] = q
    end
  end
  local open = {}
  for _, q in ipairs(queues) do
    if redis.call('HGET', gk('queues'), q) ~= '1' then open[#open + 1] = q end
  end
  -- Paused queues too: otherwise their due jobs would stay the "next run-at", already past, and wake
  -- the worker again at once, in a loop.
  for _, q in ipairs(queues) do promoteDue(q, 1000) end
  -- Each open queue's best `limit` from its ready set and from its ready list, merged by (score,
  -- sequence number). A candidate is {ready-set member or false, score, queue, from the list?, fields
  -- and id when from the list, sequence number}; the sequence number is only worked out when there is
  -- something to merge. Ties compare numbers, not strings: Lua compares strings by the server's locale,
  -- the sorted set by bytes. A list entry's score is its job's, raised to the one before it if lower
  -- (the clock went back), so that the merge keeps list order. A list entry is live once per scan: an
  -- id inserted again after its job was removed could otherwise have two.
  flushIndexes()
  local picked = {}
  -- Per queue: the list positions of its live candidates, and how far the scan read.
  local lives, scanned = {}, {}
  local again = false
  local groups = 0 -- ready sets and lists with candidates: one needs no merge
  local seen = {}
  if limit > 0 then
    for _, q in ipairs(open) do
      local best = redis.call('ZRANGE', qk(q, 'queued'), 0, limit - 1, 'WITHSCORES')
      for j = 1, #best, 2 do picked[#picked + 1] = {best[j], tonumber(best[j + 1]), q, false} end
      if #best > 0 then groups = groups + 1 end
      local list, pos, live, floor = qlist(q), 0, 0, 0
      local page = math.max(limit, LIST_PAGE)
      local capped = false
      lives[q] = {}
      while live < limit do
        local ids = redis.call('LRANGE', list, pos, pos + page - 1)
        for _, entry in ipairs(ids) do
          local id = storedId(entry)
          pos = pos + 1
          local f = not seen[id] and loadJob(id)
          if f and listedLive(id, f, q) then
            seen[id] = true
            local score = tonumber(readyScore(f))
            if score < floor then score = floor end
            floor = score
            picked[#picked + 1] = {false, score, q, true, f, id}
            live = live + 1
            lives[q][live] = pos
            if live >= limit then break end
          end
        end
        if #ids < page then break end
        if pos >= LIST_SCAN and live < limit then
          capped = true
          break
        end
      end
      scanned[q] = pos
      if live > 0 then groups = groups + 1 end
      if capped then
        -- Live entries past the scan may come before this queue's ready-set candidates: leave those
        -- for the next claim, which the worker makes at once (next run-at: now).
        again = true
        for j = #picked, 1, -1 do
          if picked[j][3] == q and not picked[j][4] then table.remove(picked, j) end
        end
        if #best > 0 then groups = groups - 1 end
      end
    end
    if groups > 1 then
      for _, p in ipairs(picked) do
        if p[4] then p[7] = tonumber(p[5][F_SEQ]) else p[7] = readySeq(p[1]) end
      end
      table.sort(picked, function(a, b) return a[2] < b[2] or (a[2] == b[2] and a[7] < b[7]) end)
    end
  end
  -- The entries taken from each queue's set and list are a prefix of each (the merge keeps their
  -- order), so they leave in one ZREMRANGEBYRANK and one LTRIM per queue, after the loop; the list's
  -- LTRIM also drops the stale entries up to its next live one (or as far as the scan read).
  local out = {num(NOW), false}
  local n = 0
  local fromSet, fromList = {}, {}
  for _, q in ipairs(open) do
    fromSet[q] = 0
    fromList[q] = 0
  end
  for i = 1, #picked do
    if n >= limit then break end
    local p = picked[i]
    local q, id, f = p[3], p[6], p[5]
    if p[4] then
      fromList[q] = fromList[q] + 1
    else
      fromSet[q] = fromSet[q] + 1 -- an entry without a queued job goes too
      id = readyId(p[1])
      f = loadJob(id)
      if f and (f[F_STATE] ~= 'queued' or f[F_QUEUE] ~= q) then f = nil end
    end
    if f then
      n = n + 1
      count(f, -1)
      f[F_STATE] = 'active'
      f[F_ATTEMPT] = num(tonumber(f[F_ATTEMPT]) + 1)
      f[F_STARTED] = num(NOW)
      f[F_LEASE] = num(NOW + leaseMs)
      f[F_TOKEN] = nonce .. '-' .. f[F_SEQ] -- unique per lease: workers tell results apart by token
      f[F_WORKER] = worker
      enter(id, f)
      out[#out + 1] = {id, f[F_REC], table.concat(f, '|', 1, 15),
        redis.call('HGET', gk('errs'), id)}
    end
  end
  for _, q in ipairs(open) do
    if fromSet[q] > 0 then redis.call('ZREMRANGEBYRANK', qk(q, 'queued'), 0, fromSet[q] - 1) end
    local nextLive = lives[q] and lives[q][fromList[q] + 1]
    local cut = nextLive and nextLive - 1 or scanned[q] or 0
    if cut > 0 then redis.call('LTRIM', qlist(q), cut, -1) end
  end
  if again and n < limit then
    out[2] = num(NOW)
  elseif n < limit then
    local soonest = nil
    for _, q in ipairs(queues) do
      local first = redis.call('ZRANGE', qk(q, 'scheduled'), 0, 0, 'WITHSCORES')
      if first[2] and (soonest == nil or tonumber(first[2]) < soonest) then soonest = tonumber(first[2]) end
    end
    if soonest then out[2] = num(soonest) end
  end
  return out
end
