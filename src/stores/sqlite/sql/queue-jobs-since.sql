-- queue-jobs-since: whether a queue holds a job inserted since :after (>=: a seq can be reused once the
-- newest job is removed), or an unfinished, failed or
-- cancelled one (the only states a job can enter a queue in without being inserted: a replace moves a
-- waiting job), through the rowid and the two partial indexes (the NOT IN repeats fila_jobs_state's
-- condition so that SQLite takes it; the IN makes it a search per state); inside the forget's write
-- transaction.
-- Params: :queue :after
SELECT EXISTS (SELECT 1 FROM fila_jobs WHERE seq >= :after AND queue = :queue)
  OR EXISTS (SELECT 1 FROM fila_jobs WHERE state = 'queued' AND queue = :queue)
  OR EXISTS (SELECT 1 FROM fila_jobs WHERE state NOT IN ('queued', 'completed')
    AND state IN ('scheduled', 'active', 'retrying', 'blocked', 'failed', 'cancelled') AND queue = :queue) AS held
