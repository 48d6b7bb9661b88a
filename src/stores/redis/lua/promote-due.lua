-- promote-due: moves scheduled and retrying jobs whose run-at has passed to their queue's ready set, in
-- the queues passed (the store passes those no live worker serves, a chunk at a time: a claim does this
-- for the queues it serves), at most `limit` in all.
-- KEYS: the global keys, then the keys of the queues (see lib.lua).
-- ARGV (after the queue list): limit.
-- Returns: how many jobs it moved.
-- Guarantee: run-at is judged by Redis TIME; a moved job keeps its priority and run-at, so its place
--   among ready jobs is the one a claim would have given it.
local left = tonumber(arg(1))
for _, q in ipairs(queueNames()) do
  if left <= 0 then break end
  local moved = promoteDue(q, left)
  if moved > 0 then wake(q) end
  left = left - moved
end
return done(tonumber(arg(1)) - left)
