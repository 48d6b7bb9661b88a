-- 0001_init: jobs, their logs, queue flags, the event log, API tokens, the worker registry.
--
-- Everything lives in one schema (the configured one, `fila` by default), so several applications
-- can share one database and a test can drop its own schema.
--
-- Times are bigint milliseconds since the epoch, always computed from the server's clock (now()) by
-- the statements themselves: the store clock of DESIGN.md §3. `tenant` is '' when the job has none, so
-- (tenant, key) can be a plain unique key. Payloads, results and metadata are `json` (stored as sent,
-- key order kept, embedded in the claim's JSON without re-parsing); the error history is `jsonb` so an
-- error can be appended in place.
--
-- Indexes: every index that changes on a state transition costs throughput, so each one is partial:
--   * jobs_pending serves claims: ready and due jobs of a queue in claim order;
--   * jobs_state leaves out pending and completed rows (the bulk of a busy table), so completing a job
--     removes one entry from it and adds none;
--   * dedup keys only index unfinished jobs that have one.
CREATE TABLE {schema}.jobs (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL,
  task text NOT NULL,
  queue text NOT NULL,
  state text NOT NULL CHECK (state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked', 'completed', 'failed', 'cancelled')),
  priority integer NOT NULL DEFAULT 0,
  run_at bigint NOT NULL,
  payload json NOT NULL,
  attempt integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  crash_count integer NOT NULL DEFAULT 0,
  backoff json,
  timeout_ms bigint,
  key text,
  tenant text NOT NULL DEFAULT '',
  metadata json,
  progress json,
  result json,
  error jsonb,
  errors jsonb,
  lease_token text,
  lease_expires_at bigint,
  worker_id text,
  cancel_requested_at bigint,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint
);

CREATE UNIQUE INDEX jobs_id ON {schema}.jobs (id);

-- Claim order within a queue: priority, then run-at, then insertion. Scheduled and retrying jobs are
-- in it too: a claim takes the due ones directly (run_at <= now), so nothing has to promote them first.
CREATE INDEX jobs_pending ON {schema}.jobs (queue, priority DESC, run_at, seq)
  WHERE state IN ('queued', 'scheduled', 'retrying');

-- Everything but pending and completed: active (rescue, health), failed and cancelled (retry, clean).
CREATE INDEX jobs_state ON {schema}.jobs (state, queue, seq)
  WHERE state NOT IN ('queued', 'scheduled', 'retrying', 'completed');

-- Next run of scheduled and retrying jobs (the worker's timer).
CREATE INDEX jobs_due ON {schema}.jobs (queue, run_at) WHERE state IN ('scheduled', 'retrying');

-- Dedup: one unfinished job per (tenant, key).
CREATE UNIQUE INDEX jobs_key ON {schema}.jobs (tenant, key)
  WHERE key IS NOT NULL AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked');

CREATE TABLE {schema}.job_logs (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id uuid NOT NULL,
  attempt integer NOT NULL,
  at bigint NOT NULL,
  message text NOT NULL
);

CREATE INDEX job_logs_job ON {schema}.job_logs (job_id, seq);

CREATE TABLE {schema}.queues (
  name text PRIMARY KEY,
  paused boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL
);

-- The shared event log, one row per appended batch (a JSON array of events); an event's id is
-- "<row seq>-<index in the batch>". Appends are serialized (see event-append.sql), so seq order is
-- commit order and a reader resuming after an id never skips a batch committed late.
CREATE TABLE {schema}.events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  events json NOT NULL
);

CREATE INDEX events_at ON {schema}.events (at);

-- Tokens keep only a hash of their secret.
CREATE TABLE {schema}.tokens (
  id text PRIMARY KEY,
  secret_hash text NOT NULL,
  role text NOT NULL,
  tenant text,
  name text,
  created_at bigint NOT NULL
);

-- Live workers; a row past expires_at is a worker that stopped reporting.
CREATE TABLE {schema}.workers (
  id text PRIMARY KEY,
  info json NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL
);

-- The store clock: milliseconds since the epoch from the server's now() (the transaction's start).
-- A plain SQL function, inlined by the planner.
CREATE FUNCTION {schema}.now_ms() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM now()) * 1000)::bigint $$;
