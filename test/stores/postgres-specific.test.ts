/**
 * What only the PostgreSQL store does: URLs and their options, migrations recorded in the schema (once,
 * even when several processes open it together), refusing a newer schema, schemas side by side in one
 * database, errors naming the bad input, and a server that cannot be reached.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createFila } from '../../src/client/fila.js';
import {
  DuplicateJobError,
  SchemaVersionError,
  StoreUnavailableError,
  ValidationError,
} from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { Store } from '../../src/core/store.js';
import { dropStore, openStore } from '../../src/stores/open.js';
import { migrationsFor } from '../../src/stores/postgres/migrate.js';
import { parsePostgresUrl } from '../../src/stores/postgres/url.js';
import { sleep, waitForState } from '../../src/testkit/harness.js';
import { noop } from '../../src/testkit/tasks.js';
import { plainJob } from '../helpers/jobs.js';
import { POSTGRES_URL, unavailable } from '../helpers/services.js';

const skip = await unavailable('postgres');
/** psql, if installed (the printed migration script is meant for it). */
const psql = ['/usr/bin/psql', '/usr/local/bin/psql'].find((p) => existsSync(p));
let n = 0;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => {});
});

function urlFor(schema: string, extra: Record<string, string> = {}): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  const text = url.toString();
  cleanups.push(() => dropStore(text));
  return text;
}

async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  cleanups.unshift(() => store.close());
  return store;
}

describe('PostgreSQL store URLs', () => {
  it("takes Fila's options out of the URL and leaves the driver's", () => {
    expect(
      parsePostgresUrl(
        'postgresql://app:secret@db.internal:6432/jobs?schema=billing&pool=25&prepare=false&connectTimeoutMs=2500&sslmode=require',
      ),
    ).toEqual({
      connectionString: 'postgresql://app:secret@db.internal:6432/jobs?sslmode=require',
      schema: 'billing',
      poolSize: 25,
      prepare: false,
      connectTimeoutMs: 2500,
    });
    expect(parsePostgresUrl('postgres://localhost/db')).toEqual({
      connectionString: 'postgres://localhost/db',
    });
    // LISTEN past a transaction-mode pooler, straight to the server.
    expect(parsePostgresUrl('postgres://app@pgbouncer:6432/app?listenHost=db&listenPort=5432')).toEqual({
      connectionString: 'postgres://app@pgbouncer:6432/app',
      listenConnectionString: 'postgres://app@db:5432/app',
    });
    // A socket directory given as host= would win over listenHost for the LISTEN connection.
    expect(
      parsePostgresUrl('postgres://app@x/app?host=%2Fvar%2Frun%2Fpg&listenHost=db').listenConnectionString,
    ).toBe('postgres://app@db/app');
  });

  it('refuses bad options with an error naming them', () => {
    const cases: [string, RegExp][] = [
      ['postgres://h/db?schema=1abc', /schema: "1abc" is not a valid schema name/],
      ['postgres://h/db?schema=a;drop', /schema: "a;drop" is not a valid schema name/],
      ['postgres://h/db?pool=0', /invalid pool="0"/],
      ['postgres://h/db?pool=many', /invalid pool="many"/],
      ['postgres://h/db?prepare=yes', /invalid prepare="yes" \(expected true or false\)/],
      ['postgres://h/db?connectTimeoutMs=-1', /invalid connectTimeoutMs="-1"/],
      ['postgres://h/db?listenPort=70000', /invalid listenPort="70000" \(expected a port number\)/],
      ['postgres://h/db?listenHost=a%20b', /invalid listenHost="a b"/],
      // A parameter nobody reads is a mistake, not something to pass on and ignore.
      ['postgres://h/db?schemas=billing', /unknown parameter "schemas" \(Fila's: schema, pool/],
      ['postgres://h/db?poolSize=5', /unknown parameter "poolSize"/],
      ['postgres://h/db?connect_timeout=5', /connect_timeout is not read; use connectTimeoutMs/],
      ['postgres://h/db?query_timeout=0', /query_timeout would override queryTimeoutMs; use queryTimeoutMs/],
      ['postgres://h/db?client_encoding=latin1', /invalid client_encoding="latin1" \(expected UTF8/],
      ['postgres://h/db?database=other', /database is not read .*put the database in the path/],
      ['postgres://h/db?password=s3cret', /password would be printed in messages/],
      ['postgres://h/db?replication=database', /replication is not supported/],
      ['postgres://h/db?pgbouncer=true', /pgbouncer is not read; .*use prepare=false/],
      ['postgres://h/db?binary=true', /unknown parameter "binary"/],
      [
        'postgres://h/db?channel_binding=always',
        /invalid channel_binding="always" \(expected disable, prefer/,
      ],
      ['postgres://h/db?schema=a&schema=b', /parameter schema given twice/],
    ];
    for (const [url, message] of cases) {
      expect(() => parsePostgresUrl(url), url).toThrow(ValidationError);
      expect(() => parsePostgresUrl(url), url).toThrow(message);
    }
    expect(() => parsePostgresUrl('postgres://h/db?password=s3cret')).not.toThrow(/s3cret/);
    // The driver's own parameters still pass through, a socket directory as host included.
    const driver = 'postgres://h/db?sslmode=disable&application_name=api&statement_timeout=5000&host=%2Ftmp';
    expect(parsePostgresUrl(driver).connectionString).toBe(driver);
    // libpq's channel_binding, as providers' URLs carry it, becomes the driver's option.
    expect(parsePostgresUrl('postgres://h/db?sslmode=require&channel_binding=require')).toEqual({
      connectionString: 'postgres://h/db?sslmode=require',
      channelBinding: true,
    });
    expect(parsePostgresUrl('postgres://h/db?channel_binding=disable').channelBinding).toBe(false);
  });

  it('prints its migrations without a server (fila migrate --print)', async () => {
    const store = await openStore('postgres://nobody@127.0.0.1:1/none?schema=billing', { migrate: false });
    const [first] = store.migrations();
    expect(first).toMatchObject({ version: 1, name: 'init' });
    expect(first!.sql).toMatch(/CREATE TABLE "billing"\.jobs/);
    expect(first!.sql).not.toMatch(/\{schema\}/);
    await store.close();
  });

  it('an unreachable server fails fast with StoreUnavailableError, naming the server but not the password', async () => {
    const started = Date.now();
    const error = await Promise.resolve(openStore('postgres://app:hunter2@127.0.0.1:1/db')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message).not.toMatch(/hunter2/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.skipIf(skip)('PostgreSQL store on a server', () => {
  it('records its migrations in its schema, applied once by processes opening it together', async () => {
    const schema = `fila_spec_${process.pid}_${++n}`;
    const url = urlFor(schema);
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(url)));
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    cleanups.push(() => db.end());
    const rows = await db.query(`SELECT version, name FROM ${schema}.migrations ORDER BY version`);
    expect(rows.rows).toEqual([
      { version: 1, name: 'init' },
      { version: 2, name: 'active_index' },
      { version: 3, name: 'id_key' },
    ]);
    expect((await stores[0]!.migrate()).applied).toEqual([]);
  });

  it('the script of fila migrate --print sets up a schema a store can use, and changes nothing run twice', async () => {
    const schema = `fila_spec_${process.pid}_${++n}`;
    const url = urlFor(schema);
    const printer = await openStore('postgres://nobody@127.0.0.1:1/none?schema=' + schema, {
      migrate: false,
    });
    const script = printer.migrationScript!(0);
    const upToDate = printer.migrationScript!(printer.migrations().at(-1)!.version);
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    cleanups.push(() => db.end());
    await db.query(script); // one string, several statements (psql itself: the next test)
    const recorded = async () =>
      (await db.query(`SELECT version, name FROM ${schema}.migrations ORDER BY version`)).rows;
    expect(await recorded()).toEqual([
      { version: 1, name: 'init' },
      { version: 2, name: 'active_index' },
      { version: 3, name: 'id_key' },
    ]);
    const store = await openStore(url, { migrate: false });
    cleanups.unshift(() => store.close());
    expect((await store.migrate()).applied).toEqual([]);
    const fila = createFila({ store });
    const job = await fila.enqueue('printed', { ok: true });
    const claimed = await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 30_000, workerId: 'w' });
    expect(claimed.jobs.map((j) => j.id)).toEqual([job.id]);
    // Again on the migrated schema: refused on the first record, and the transaction changes nothing.
    await expect(db.query(script)).rejects.toThrow(/is at migration version 3, not 0/);
    await db.query('ROLLBACK');
    const ahead = printer.migrationScript!(5);
    await expect(db.query(ahead)).rejects.toThrow(/is at migration version 3, not 5/);
    await db.query('ROLLBACK');
    expect(await recorded()).toHaveLength(3);
    await db.query(upToDate);
    expect(upToDate).not.toMatch(/INSERT INTO/);
    expect(await recorded()).toHaveLength(3);
    await printer.close();
  });

  it('moves the primary key of a schema at version 2 to id, keeping its jobs and their order', async () => {
    const schema = `fila_spec_${process.pid}_${++n}`;
    const url = urlFor(schema);
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    cleanups.push(() => db.end());
    const q = pg.escapeIdentifier(schema);
    await db.query(`CREATE SCHEMA ${q}`);
    await db.query(`CREATE TABLE ${q}.migrations (version integer PRIMARY KEY, name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const m of migrationsFor(schema).filter((m) => m.version <= 2)) {
      await db.query(m.sql);
      await db.query(`INSERT INTO ${q}.migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    const ids = [newId(), newId(), newId()];
    for (const [i, state] of ['completed', 'queued', 'failed'].entries())
      await db.query(
        `INSERT INTO ${q}.jobs (id, task, queue, state, run_at, payload, max_attempts, created_at)
         VALUES ($1, 'noop', 'default', $2, 0, '{}', 3, 0)`,
        [ids[i], state],
      );
    const store = await open(url);
    expect((await db.query(`SELECT max(version) AS v FROM ${q}.migrations`)).rows[0].v).toBe(3);
    const key = await db.query(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = '${q}.jobs'::regclass AND i.indisprimary`,
    );
    expect(key.rows).toEqual([{ attname: 'id' }]);
    const listed = await store.jobList({ filter: {}, limit: 10, order: 'asc' });
    expect(listed.jobs.map((j) => [j.id, j.state])).toEqual([
      [ids[0], 'completed'],
      [ids[1], 'queued'],
      [ids[2], 'failed'],
    ]);
    const claimed = await store.jobClaim({ queues: ['default'], limit: 5, leaseMs: 30_000, workerId: 'w' });
    expect(claimed.jobs.map((j) => j.id)).toEqual([ids[1]]);
    const done = await store.jobCompleteMany({
      jobs: [{ id: ids[1]!, token: claimed.jobs[0]!.token, result: null }],
    });
    expect(done.done.map((d) => d.state)).toEqual(['completed']);
    const desc = await store.jobList({ filter: {}, limit: 2, order: 'desc' });
    expect(desc.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const rest = await store.jobList({ filter: {}, limit: 2, order: 'desc', cursor: desc.cursor });
    expect(rest.jobs.map((j) => j.id)).toEqual([ids[0]]);
  });

  it.skipIf(!psql)(
    'the script of fila migrate --print runs under psql -v ON_ERROR_STOP=1, once',
    async () => {
      const schema = `fila_spec_${process.pid}_${++n}`;
      urlFor(schema); // dropped afterwards
      const printer = await openStore(`postgres://nobody@127.0.0.1:1/none?schema=${schema}`, {
        migrate: false,
      });
      const script = printer.migrationScript!(0);
      await printer.close();
      const run = () =>
        spawnSync(psql!, ['-d', POSTGRES_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-'], {
          input: script,
          encoding: 'utf8',
        });
      const first = run();
      expect(first.status, first.stderr).toBe(0);
      const again = run();
      expect(again.status).not.toBe(0);
      expect(again.stderr).toMatch(/is at migration version 3, not 0/);
      const store = await openStore(urlFor(schema), { migrate: false });
      cleanups.unshift(() => store.close());
      expect((await store.migrate()).applied).toEqual([]);
    },
  );

  it('refuses to run against a schema newer than it knows', async () => {
    const schema = `fila_spec_${process.pid}_${++n}`;
    const url = urlFor(schema);
    await (await open(url)).close();
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    cleanups.push(() => db.end());
    await db.query(`INSERT INTO ${schema}.migrations (version, name) VALUES (999, 'from the future')`);
    const error = await Promise.resolve(openStore(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect((error as Error).message).toMatch(/version 999, newer than this Fila knows/);
  });

  it('a schema name of the longest length works, wake-ups included', async () => {
    const schema = `fila_spec_${process.pid}_${++n}_`.padEnd(63, 'x');
    const fila = createFila({ store: urlFor(schema) });
    cleanups.unshift(() => fila.close());
    const other = createFila({ store: urlFor(schema) });
    cleanups.unshift(() => other.close());
    const worker = fila.worker({ tasks: [noop], pollInterval: '60s', handleSignals: false });
    await worker.start();
    await sleep(300);
    const job = await other.enqueue('noop', null);
    await waitForState(fila, job.id, 'completed', 3000);
  });

  it('keeps applications in different schemas of one database apart', async () => {
    const a = createFila({ store: urlFor(`fila_spec_${process.pid}_${++n}`) });
    const b = createFila({ store: urlFor(`fila_spec_${process.pid}_${++n}`) });
    cleanups.unshift(
      () => a.close(),
      () => b.close(),
    );
    const job = await a.enqueue('noop', { app: 'a' });
    expect(await a.getJob(job.id)).toMatchObject({ payload: { app: 'a' } });
    expect(await b.getJob(job.id)).toBeNull();
    expect((await b.listJobs()).jobs).toEqual([]);
  });

  it('a batch refused inside the application transaction leaves it usable and inserts nothing', async () => {
    const fila = createFila({ store: urlFor(`fila_spec_${process.pid}_${++n}`) });
    cleanups.unshift(() => fila.close());
    await fila.store();
    const held = await fila.enqueue('noop', {}, { key: 'once' });
    const app = new pg.Client({ connectionString: POSTGRES_URL });
    await app.connect();
    cleanups.push(() => app.end());
    await app.query('BEGIN');
    const mine = await fila.enqueue('noop', { step: 1 }, { tx: app });
    const refused = await fila
      .enqueueMany(
        [
          { task: 'noop', payload: { step: 2 } },
          { task: 'noop', payload: {}, options: { key: 'once', dedup: 'reject' } },
        ],
        { tx: app },
      )
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DuplicateJobError);
    expect((refused as DuplicateJobError).existingId).toBe(held.id);
    expect((await app.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await app.query('COMMIT');
    const jobs = (await fila.listJobs({ order: 'asc' })).jobs;
    expect(jobs.map((j) => j.id)).toEqual([held.id, mine.id]);
  });

  it('inserts a lone job, a uniform batch and a mixed batch with every column as given, in order', async () => {
    // Three statements: insert-one (one row), insert-uniform (rows differing only in id and payload)
    // and insert (anything else). Each must store the same columns the same way.
    const fila = createFila({ store: urlFor(`fila_spec_${process.pid}_${++n}`) });
    cleanups.unshift(() => fila.close());
    const one = await fila.enqueue(
      'noop',
      { n: 0 },
      {
        queue: 'q1',
        priority: 'high',
        tenant: 't1',
        delay: '1m',
        maxAttempts: 4,
        timeout: '3s',
        backoff: { type: 'fixed', delay: '2s' },
        metadata: { via: 'api' },
      },
    );
    const options = { queue: 'q2', delay: '1h', maxAttempts: 7, timeout: '5s', metadata: { via: 'import' } };
    const uniform = await fila.enqueueMany([1, 2, 3].map((n) => ({ task: 'noop', payload: { n }, options })));
    const mixed = await fila.enqueueMany([
      { task: 'noop', payload: { n: 4 }, options: { queue: 'q1', priority: 5 } },
      {
        task: 'noop',
        payload: { n: 5 },
        options: { queue: 'q2', tenant: 't2', backoff: { type: 'fixed', delay: '2s' } },
      },
    ]);
    const jobs = (await fila.listJobs({ order: 'asc' })).jobs;
    expect(jobs.map((j) => j.id)).toEqual([one.id, ...uniform.map((j) => j.id), ...mixed.map((j) => j.id)]);
    expect(jobs[0]).toMatchObject({
      queue: 'q1',
      priority: 10,
      tenant: 't1',
      state: 'scheduled',
      maxAttempts: 4,
      timeoutMs: 3000,
      backoff: { type: 'fixed', delayMs: 2000 },
      metadata: { via: 'api' },
      payload: { n: 0 },
    });
    expect(jobs[0]!.runAt.getTime() - jobs[0]!.createdAt.getTime()).toBe(60_000);
    for (const [k, job] of jobs.slice(1, 4).entries()) {
      expect(job).toMatchObject({
        queue: 'q2',
        state: 'scheduled',
        maxAttempts: 7,
        timeoutMs: 5000,
        metadata: { via: 'import' },
        tenant: null,
        payload: { n: k + 1 },
      });
      expect(job.runAt.getTime() - job.createdAt.getTime()).toBe(3_600_000);
    }
    expect(jobs[4]).toMatchObject({ queue: 'q1', priority: 5, state: 'queued', payload: { n: 4 } });
    expect(jobs[5]).toMatchObject({ queue: 'q2', tenant: 't2', payload: { n: 5 } });
  });

  it('a batch larger than one statement is still all or nothing', async () => {
    const store = await open(urlFor(`fila_spec_${process.pid}_${++n}`));
    const jobs = Array.from({ length: 5001 }, () => plainJob());
    jobs[5000] = plainJob('not-a-uuid'); // refused by the second statement, after the first went through
    await expect(store.jobInsertMany({ jobs })).rejects.toThrow(/uuid/);
    expect((await store.jobList({ filter: {}, limit: 10 })).jobs).toEqual([]);
  });

  it('a statement left unanswered fails with StoreUnavailableError after queryTimeoutMs, and the store carries on', async () => {
    const schema = `fila_spec_${process.pid}_${++n}`;
    const fila = createFila({ store: urlFor(schema, { queryTimeoutMs: '500' }) });
    cleanups.unshift(() => fila.close());
    await fila.store();
    const blocker = new pg.Client({ connectionString: POSTGRES_URL });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${schema}.jobs IN ACCESS EXCLUSIVE MODE`);
    const started = Date.now();
    const error = await fila.enqueue('noop', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/timeout/i);
    expect(Date.now() - started).toBeLessThan(3000);
    await blocker.query('ROLLBACK');
    expect((await fila.enqueue('noop', {})).state).toBe('queued');
  });

  it('a bulk retry of two failed jobs holding the same dedup key retries one and leaves the other', async () => {
    const store = await open(urlFor(`fila_spec_${process.pid}_${++n}`));
    const fila = createFila({ store });
    const failOne = async () => {
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 1,
        leaseMs: 30_000,
        workerId: 't',
      });
      await store.jobFailMany({
        jobs: [
          {
            id: jobs[0]!.id,
            token: jobs[0]!.token,
            error: { name: 'Error', message: 'x' },
            retryDelayMs: null,
          },
        ],
      });
      return jobs[0]!.id;
    };
    await fila.enqueue('noop', {}, { key: 'nightly' });
    const first = await failOne();
    await fila.enqueue('noop', {}, { key: 'nightly' }); // the key is free again once the first failed
    const second = await failOne();
    expect(second).not.toBe(first);
    expect(await fila.retryMany({ state: 'failed' })).toEqual({ retried: 1 });
    expect((await fila.getJob(first))!.state).toBe('queued');
    expect((await fila.getJob(second))!.state).toBe('failed');
  });

  it('completes a batch and claims the next in one call: completed, cancelled and stale leases told apart', async () => {
    const store = await open(urlFor(`fila_spec_${process.pid}_${++n}`));
    const fila = createFila({ store });
    for (let i = 0; i < 5; i++) await fila.enqueue('noop', { i });
    const claim = { queues: ['default'], limit: 3, leaseMs: 30_000, workerId: 't' };
    const { jobs } = await store.jobClaim(claim);
    const [a, b, c] = jobs as [(typeof jobs)[0], (typeof jobs)[0], (typeof jobs)[0]];
    await fila.cancel(b.id); // running: only requested
    const before = Date.now();
    const out = await store.jobCompleteMany({
      jobs: [
        { id: a.id, token: a.token, result: JSON.stringify({ ok: 1, s: 'q"uote\\back, {NULL}' }) },
        { id: b.id, token: b.token, result: null },
        { id: c.id, token: `${c.token.split('.')[0]}x.${c.token.split('.')[1]}`, result: null }, // stale
        { id: a.id, token: a.token, result: null }, // repeated: done once
      ],
      claim: { ...claim, limit: 10 },
    });
    expect(out.done.map((d) => [d.id, d.state])).toEqual([
      [a.id, 'completed'],
      [b.id, 'cancelled'],
    ]);
    expect(out.done[0]!.runAt).toBeGreaterThanOrEqual(before - 1000);
    expect(out.lost.map((l) => l.id)).toEqual([c.id, a.id]);
    expect(out.claimed!.jobs).toHaveLength(2);
    expect((await fila.getJob(a.id))!.result).toEqual({ ok: 1, s: 'q"uote\\back, {NULL}' });
    expect((await fila.getJob(b.id))!.state).toBe('cancelled');
    expect((await fila.getJob(c.id))!.state).toBe('active');
  });

  it('a cancel waiting on jobs that change state meanwhile still catches each by its new state', async () => {
    const schema = `fila_spec_${process.pid}_${++n}`;
    const store = await open(urlFor(schema));
    const fila = createFila({ store });
    const failing = await fila.enqueue('noop', { i: 1 });
    const claimed = await fila.enqueue('noop', { i: 2 });
    await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 30_000, workerId: 't' });
    // Another session, still open while the cancel waits for its row locks: the running job's attempt
    // fails into `retrying`, and a worker claims the pending one.
    const other = new pg.Client({ connectionString: POSTGRES_URL });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('BEGIN');
    await other.query(
      `UPDATE ${schema}.jobs SET state = 'retrying', lease_token = NULL, run_at = run_at + 60000 WHERE id = $1`,
      [failing.id],
    );
    await other.query(`UPDATE ${schema}.jobs SET state = 'active', lease_token = 'x' WHERE id = $1`, [
      claimed.id,
    ]);
    const cancel = store.jobCancel({ ids: [failing.id, claimed.id] });
    await sleep(300);
    await other.query('COMMIT');
    expect(await cancel).toEqual({ cancelled: [failing.id], requested: [claimed.id] });
    expect((await fila.getJob(failing.id))!.state).toBe('cancelled');
    expect((await fila.getJob(claimed.id))!.cancelRequested).toBe(true);
  });

  it('enqueues sharing one application client at once run one after the other, each in its savepoint', async () => {
    const fila = createFila({ store: urlFor(`fila_spec_${process.pid}_${++n}`) });
    cleanups.unshift(() => fila.close());
    await fila.store();
    const app = new pg.Client({ connectionString: POSTGRES_URL });
    await app.connect();
    cleanups.push(() => app.end());
    await app.query('BEGIN');
    // Both keyed, so each runs in a savepoint; the second is refused as a duplicate of the first.
    const [first, second] = await Promise.allSettled([
      fila.enqueue('noop', { n: 1 }, { tx: app, key: 'k' }),
      fila.enqueue('noop', { n: 2 }, { tx: app, key: 'k', dedup: 'reject' }),
    ]);
    expect(second.status).toBe('rejected');
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateJobError);
    await app.query('COMMIT');
    const kept = (first as PromiseFulfilledResult<{ id: string }>).value;
    expect((await fila.getJob(kept.id))?.payload).toEqual({ n: 1 });
  });

  it('an enqueue inside a transaction that rolls back publishes no event', async () => {
    const fila = createFila({ store: urlFor(`fila_spec_${process.pid}_${++n}`) });
    cleanups.unshift(() => fila.close());
    const store = await fila.store();
    fila.publisher.setWanted(true); // as when a server reads the event log
    const app = new pg.Client({ connectionString: POSTGRES_URL });
    await app.connect();
    cleanups.push(() => app.end());
    await app.query('BEGIN');
    const phantom = await fila.enqueue('noop', {}, { tx: app });
    await app.query('ROLLBACK');
    const kept = await fila.enqueue('noop', {});
    await sleep(100); // the publisher batches its appends
    const { events } = await store.eventRead({ after: null, limit: 100 });
    const enqueued = events.filter((e) => e.type === 'job:enqueue').map((e) => e.jobId);
    expect(enqueued).toEqual([kept.id]);
    expect(enqueued).not.toContain(phantom.id);
  });

  it('a state list makes one statement whatever its order and repeats', async () => {
    const store = await open(urlFor(`fila_spec_${process.pid}_${++n}`, { pool: '1' }));
    const fila = createFila({ store });
    await fila.enqueue('noop', {});
    const prepared = async () =>
      Number(
        (
          (await (store as unknown as { db: { query(t: string): Promise<{ n: string }[]> } }).db.query(
            'SELECT count(*) AS n FROM pg_prepared_statements',
          )) as { n: string }[]
        )[0]!.n,
      );
    await fila.listJobs({ state: ['failed', 'queued'] });
    const before = await prepared();
    for (const state of [
      ['queued', 'failed'],
      ['failed', 'failed', 'queued'],
      ['queued', 'queued', 'failed'],
    ])
      expect((await fila.listJobs({ state: state as ('queued' | 'failed')[] })).jobs).toHaveLength(1);
    expect(await prepared()).toBe(before);
  });

  it('postgresql:// works like postgres://, and the tx option takes only a client', async () => {
    // With channel binding asked for: the driver uses it where the server offers it, and this one does not.
    const url = urlFor(`fila_spec_${process.pid}_${++n}`, { channel_binding: 'prefer' }).replace(
      /^postgres:/,
      'postgresql:',
    );
    const fila = createFila({ store: url });
    cleanups.unshift(() => fila.close());
    const store = await fila.store();
    expect(store.kind).toBe('postgres');
    const inner = store as unknown as {
      db: { pool: { options: { enableChannelBinding?: boolean } } };
      listener: { options: { channelBinding?: boolean } };
    };
    expect(inner.db.pool.options.enableChannelBinding).toBe(true);
    expect(inner.listener.options.channelBinding).toBe(true);
    expect(store.capabilities).toEqual({ crossProcessWake: true, transactions: true });
    await expect(fila.enqueue('noop', {}, { tx: 42 })).rejects.toThrow(/tx: expected the pg client/);
  });
});
