-- cancel: cancels targeted jobs that have not started, and asks the workers of targeted running jobs to
-- stop them (such a job stays `active` until its worker reports, or its lease is rescued; then it ends
-- `cancelled`). `{where}` selects the target (ids or a filter, bound parameters only).
-- One statement, so a job changing state while the cancel waits for its row lock is still caught: once
-- the other transaction commits, PostgreSQL checks the row again and the CASE picks by its new state (a
-- pending job a worker just claimed is asked to stop; a running job whose attempt just failed into
-- `retrying` is cancelled). With one statement per case, each could skip it as the other's.
-- Returns: per job touched, its id and new state (`cancelled`, or `active` for a stop requested).
UPDATE {schema}.jobs SET
  state = CASE WHEN state = 'active' THEN state ELSE 'cancelled' END,
  finished_at = CASE WHEN state = 'active' THEN finished_at ELSE {schema}.now_ms() END,
  cancel_requested_at = CASE WHEN state = 'active'
    THEN COALESCE(cancel_requested_at, {schema}.now_ms()) ELSE cancel_requested_at END
WHERE {where} AND state IN ('scheduled', 'queued', 'retrying', 'blocked', 'active')
RETURNING id, state
