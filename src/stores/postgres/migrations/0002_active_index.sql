-- 0002_active_index: active jobs get their own partial index, keyed by seq; jobs_state no longer holds
-- them.
--
-- Why: completions, failures, releases and heartbeats find their rows by seq with `state = 'active'` as
-- the guard. With active rows in jobs_state (state, queue, seq), the planner could take that index for
-- the guard (seq is not a leading column there, so every probe walked all active entries, dead ones
-- included, until the next vacuum). Once the prepared statement switched to its generic plan, each batch
-- of 128 completions cost 15–25 ms instead of ~1 ms, growing with the number of jobs processed. Keyed by
-- seq, whichever index the planner takes for the guard is an exact lookup. Rescue and listing active jobs
-- read this index whole: active jobs are few (bounded by the workers' concurrency and prefetch).
-- Cost on an existing installation: building the two indexes reads the jobs table once, and writes to
-- it wait meanwhile (plain CREATE INDEX: migrations run in one transaction); both indexes stay small.
DROP INDEX {schema}.jobs_state;

CREATE INDEX jobs_state ON {schema}.jobs (state, queue, seq)
  WHERE state NOT IN ('queued', 'scheduled', 'retrying', 'completed', 'active');

CREATE INDEX jobs_active ON {schema}.jobs (seq) WHERE state = 'active';
