/**
 * What a PostgreSQL job costs to claim and complete, by schema (a measurement behind bench/RESULTS.md,
 * "What bounds the gaps"): N jobs are inserted, then claimed and completed in batches of 100 on one
 * connection, as fast as it goes; printed is the time per job. Each variant builds its own table in the
 * schema `hotx` of the `bench` database (dropped at the end):
 *   - cur: Fila's jobs table and indexes (sql/migrations/0001_init.sql), rows kept when completed;
 *   - hot: a fillfactor-60 jobs table with no index on `state`, so that the claim's and the completion's
 *     updates can be HOT, plus a `ready` table the claim deletes from and a `leases` table (what rescue
 *     would need) it inserts into and the completion deletes from;
 *   - del: Fila's table and indexes, the completion deleting the row instead of keeping it.
 *
 * Usage: node bench/postgres/schema-variants.mjs [N=20000] [variants=cur,hot,del,cur,hot,del]
 */
import pg from 'pg';
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/bench' });
await c.connect();
const N = Number(process.argv[2] || 20000),
  B = 100;
const S = 'hotx';
async function setup(kind) {
  await c.query(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S}`);
  await c.query(`CREATE TABLE ${S}.jobs (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id uuid NOT NULL, task text NOT NULL, queue text NOT NULL,
    state text NOT NULL, priority int NOT NULL DEFAULT 0, run_at bigint NOT NULL, payload json NOT NULL, attempt int NOT NULL DEFAULT 0,
    max_attempts int NOT NULL, crash_count int NOT NULL DEFAULT 0, backoff json, timeout_ms bigint, key text, tenant text NOT NULL DEFAULT '',
    metadata json, progress json, result json, error jsonb, errors jsonb, lease_token text, lease_expires_at bigint, worker_id text,
    cancel_requested_at bigint, created_at bigint NOT NULL, started_at bigint, finished_at bigint) ${kind === 'hot' ? 'WITH (fillfactor = 60)' : ''}`);
  await c.query(`CREATE UNIQUE INDEX ON ${S}.jobs (id)`);
  if (kind === 'cur' || kind === 'del') {
    await c.query(
      `CREATE INDEX jobs_pending ON ${S}.jobs (queue, priority DESC, run_at, seq) WHERE state IN ('queued', 'scheduled', 'retrying')`,
    );
    await c.query(
      `CREATE INDEX jobs_state ON ${S}.jobs (state, queue, seq) WHERE state NOT IN ('queued', 'scheduled', 'retrying', 'completed')`,
    );
    await c.query(
      `CREATE INDEX jobs_due ON ${S}.jobs (queue, run_at) WHERE state IN ('scheduled', 'retrying')`,
    );
    await c.query(
      `CREATE UNIQUE INDEX jobs_key ON ${S}.jobs (tenant, key) WHERE key IS NOT NULL AND state IN ('scheduled', 'queued', 'active', 'retrying', 'blocked')`,
    );
  } else {
    await c.query(
      `CREATE TABLE ${S}.ready (seq bigint PRIMARY KEY, queue text NOT NULL, priority int NOT NULL, run_at bigint NOT NULL)`,
    );
    await c.query(`CREATE INDEX ready_order ON ${S}.ready (queue, priority DESC, run_at, seq)`);
    await c.query(`CREATE TABLE ${S}.leases (seq bigint PRIMARY KEY, expires_at bigint NOT NULL)`);
  }
  for (let i = 0; i < N; i += 1000) {
    await c.query(`INSERT INTO ${S}.jobs (id, task, queue, state, run_at, payload, max_attempts, created_at)
      SELECT gen_random_uuid(), 'bench', 'q', 'queued', 0, '{"i":1}', 3, 0 FROM generate_series(1, 1000)`);
  }
  if (kind === 'hot')
    await c.query(`INSERT INTO ${S}.ready SELECT seq, queue, priority, run_at FROM ${S}.jobs`);
  await c.query(`VACUUM ANALYZE ${S}.jobs`);
  if (kind === 'hot') await c.query(`VACUUM ANALYZE ${S}.ready`);
}
const claimCur = `WITH picked AS (SELECT seq FROM ${S}.jobs WHERE state IN ('queued','scheduled','retrying') AND queue = 'q' AND run_at <= 1 ORDER BY priority DESC, run_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
  UPDATE ${S}.jobs j SET state = 'active', attempt = j.attempt + 1, lease_token = 't', lease_expires_at = 100, worker_id = 'w', started_at = 1 FROM picked WHERE j.seq = picked.seq RETURNING j.seq, j.id, j.payload`;
const claimHot = `WITH picked AS (DELETE FROM ${S}.ready WHERE seq IN (SELECT seq FROM ${S}.ready WHERE queue = 'q' AND run_at <= 1 ORDER BY priority DESC, run_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING seq),
  l AS (INSERT INTO ${S}.leases SELECT seq, 100 FROM picked)
  UPDATE ${S}.jobs j SET state = 'active', attempt = j.attempt + 1, lease_token = 't', lease_expires_at = 100, worker_id = 'w', started_at = 1 FROM picked WHERE j.seq = picked.seq RETURNING j.seq, j.id, j.payload`;
const completeCur = `UPDATE ${S}.jobs j SET state = 'completed', result = NULL, finished_at = 2, lease_token = NULL, lease_expires_at = NULL FROM unnest($1::bigint[]) AS i(seq) WHERE j.seq = i.seq AND j.lease_token = 't' AND j.state = 'active'`;
const completeHot = `WITH gone AS (DELETE FROM ${S}.leases WHERE seq = ANY($1::bigint[]))
  UPDATE ${S}.jobs j SET state = 'completed', result = NULL, finished_at = 2, lease_token = NULL, lease_expires_at = NULL FROM unnest($1::bigint[]) AS i(seq) WHERE j.seq = i.seq AND j.lease_token = 't' AND j.state = 'active'`;
const completeDel = `DELETE FROM ${S}.jobs j USING unnest($1::bigint[]) AS i(seq) WHERE j.seq = i.seq AND j.lease_token = 't' AND j.state = 'active'`;
for (const kind of (process.argv[3] || 'cur,hot,del,cur,hot,del').split(',')) {
  await setup(kind);
  const claim = kind === 'hot' ? claimHot : claimCur,
    complete = kind === 'hot' ? completeHot : kind === 'del' ? completeDel : completeCur;
  const t = performance.now();
  let done = 0;
  for (;;) {
    const r = await c.query({ text: claim, values: [B], name: 'claim' + kind });
    if (r.rows.length === 0) break;
    await c.query({ text: complete, values: [r.rows.map((x) => x.seq)], name: 'complete' + kind });
    done += r.rows.length;
  }
  const ms = performance.now() - t;
  console.log(kind, done, 'jobs', ((ms * 1000) / done).toFixed(1), 'µs a job');
}
await c.query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
await c.end();
