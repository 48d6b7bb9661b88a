-- 0002_events_tokens_workers: the shared event log, API tokens, the worker registry.
--
-- Events are kept one row per appended batch (a JSON array of events), not one row per event: a
-- worker appends the events of a whole completion batch at once, and a row costs one B-tree insert
-- whatever its size. An event's id is "<row seq>-<index in the batch>".
CREATE TABLE fila_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  events TEXT NOT NULL
) STRICT;

CREATE INDEX fila_events_at ON fila_events (at);

-- Tokens keep only a hash of their secret.
CREATE TABLE fila_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  tenant TEXT,
  name TEXT,
  created_at INTEGER NOT NULL
) STRICT;

-- Live workers; a row past expires_at is a worker that stopped reporting.
CREATE TABLE fila_workers (
  id TEXT PRIMARY KEY,
  info TEXT NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
