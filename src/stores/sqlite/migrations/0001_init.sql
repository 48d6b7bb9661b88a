-- 0001_init: jobs, their logs, queue flags.
--
-- Times are integers: milliseconds since the epoch from the store's clock (the one host that opens the
-- file). JSON columns hold text. `tenant` is '' when the job has none, so that (tenant, key) can be a
-- plain unique key.
--
-- Indexes were chosen by measurement (better-sqlite3, WAL, synchronous=NORMAL, 100,000 jobs, claims and
-- completions in batches of 100 on this project's 2-core bench machine). Every index that changes on a
-- state transition costs throughput: a full (state, queue, seq) index took claim+complete from ~90,000
-- to ~60,000 jobs/s. So:
--   * ready jobs are found through fila_jobs_ready (partial on state = 'queued');
--   * the state index leaves out 'queued' (covered above) and 'completed' (the bulk of all rows, reached
--     through the time-ordered id instead), so completing a job only deletes one entry from it;
--   * dedup keys and run-at only index the rows that have them.
CREATE TABLE fila_jobs (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  crash_count INTEGER NOT NULL DEFAULT 0,
  backoff TEXT,
  timeout_ms INTEGER,
  key TEXT,
  tenant TEXT NOT NULL DEFAULT '',
  metadata TEXT,
  progress TEXT,
  result TEXT,
  error TEXT,
  errors TEXT,
  lease_token TEXT,
  lease_expires_at INTEGER,
  worker_id TEXT,
  cancel_requested_at INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
) STRICT;

CREATE UNIQUE INDEX fila_jobs_id ON fila_jobs (id);

-- Claim order: priority, then run-at, then insertion.
CREATE INDEX fila_jobs_ready ON fila_jobs (queue, priority DESC, run_at, seq) WHERE state = 'queued';

-- Scheduled and retrying jobs by the time they become ready.
CREATE INDEX fila_jobs_due ON fila_jobs (run_at) WHERE state IN ('scheduled', 'retrying');

-- Everything but queued and completed: active (rescue), failed and cancelled (retry, clean), counts, lists.
CREATE INDEX fila_jobs_state ON fila_jobs (state, queue, seq) WHERE state NOT IN ('queued', 'completed');

-- Dedup: one unfinished job per (tenant, key).
CREATE UNIQUE INDEX fila_jobs_key ON fila_jobs (tenant, key)
  WHERE key IS NOT NULL AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked');

CREATE TABLE fila_job_logs (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  message TEXT NOT NULL
) STRICT;

CREATE INDEX fila_job_logs_job ON fila_job_logs (job_id, seq);

CREATE TABLE fila_queues (
  name TEXT PRIMARY KEY,
  paused INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) STRICT;
