-- insert-keyed: adds one job with a dedup key unless an unfinished job already holds (tenant, key).
-- Params: :id :task :queue :state :priority :run_at :payload :max_attempts :backoff :timeout_ms :key
--   :tenant :metadata :now
-- Returns: the new row's seq, or no row when the key was taken.
-- Guarantee: the partial unique index fila_jobs_key decides, inside the write lock: never check-then-insert.
INSERT INTO fila_jobs (id, task, queue, state, priority, run_at, payload, max_attempts, backoff, timeout_ms, key, tenant, metadata, created_at)
VALUES (:id, :task, :queue, :state, :priority, :run_at, :payload, :max_attempts, :backoff, :timeout_ms, :key, :tenant, :metadata, :now)
ON CONFLICT (tenant, key) WHERE key IS NOT NULL AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked') DO NOTHING
RETURNING seq
