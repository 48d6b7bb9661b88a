-- 0003: an index of scheduled and retrying jobs by run-at alone, for promote-due.sql. That statement
-- looks for overdue jobs across all queues; with jobs_due (queue, run_at) alone it would read every
-- scheduled job (cron runs made ahead, long delays included) on each sweep. Here it reads the overdue
-- ones only, oldest first. Only scheduled and retrying jobs get an entry.
CREATE INDEX jobs_due_any ON {schema}.jobs (run_at) WHERE state IN ('scheduled', 'retrying');
-- Cost on an existing installation: building it reads the jobs table once, and writes to it wait
-- meanwhile (plain CREATE INDEX: migrations run in one transaction); it holds scheduled jobs only.
