-- 0003_id_key: `id` becomes the primary key; `seq` is indexed in two partial indexes (active, the rest).
--
-- Why: a claim and a completion each rewrite the job's row, and the new row version gets an entry in
-- every index whose condition it meets. With the primary key on seq, that was five entries per job
-- (seq and id at the claim and at the completion, jobs_active at the claim). Now the claim writes two
-- (id, jobs_active) and the completion two (id, jobs_seq). Measured on the processing benchmark: see
-- docs/adr/0004-postgres-store.md, Performance.
--
-- Rows are still ordered by seq: claims break ties with it (jobs_pending), and lists page by it. jobs_seq
-- and jobs_active together cover every row, so a list of all states reads both in seq order and merges
-- them (list-merged.sql). Statements that find a row by seq say which of the two it is in (`state = 'active'`
-- or a state other than active); the others find rows by id.
--
-- Cost on an existing installation: the unique index on id becomes the primary key without being
-- rebuilt; building jobs_seq reads the jobs table once. Dropping the old key locks the table until the
-- migration commits, so reads wait too meanwhile. Workers of an older Fila must be stopped first: their
-- statements find rows by seq without a state condition, and would read the whole table.
ALTER TABLE {schema}.jobs DROP CONSTRAINT jobs_pkey;

ALTER TABLE {schema}.jobs ADD CONSTRAINT jobs_id PRIMARY KEY USING INDEX jobs_id;

CREATE INDEX jobs_seq ON {schema}.jobs (seq) WHERE state <> 'active';
