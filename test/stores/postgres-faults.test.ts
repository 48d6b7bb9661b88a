/**
 * PostgreSQL beyond the conformance suite, with real processes on the shared server (a schema per
 * test): transactional enqueue seen by a running worker, and kill -9 of one of three worker processes
 * in the middle of a 10,000-job run.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createFila, type Fila } from '../../src/client/fila.js';
import { defineTask } from '../../src/core/task.js';
import { dropStore } from '../../src/stores/open.js';
import { sleep, waitFor, waitForState } from '../../src/testkit/harness.js';
import { POSTGRES_URL, unavailable } from '../helpers/services.js';
import { Proc } from './postgres/procs.js';

const skip = await unavailable('postgres');
let n = 0;
const cleanups: (() => Promise<void>)[] = [];

function freshUrl(): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', `fila_faults_${process.pid}_${++n}`);
  const text = url.toString();
  cleanups.push(() => dropStore(text));
  return text;
}

function client(url: string): Fila {
  const fila = createFila({ store: url });
  cleanups.unshift(() => fila.close({ grace: 0 }));
  return fila;
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => {});
});

describe.skipIf(skip)('postgres store with real processes', () => {
  it('transactional enqueue: a rolled-back job never runs, a committed one runs once, woken at COMMIT', async () => {
    const url = freshUrl();
    const fila = client(url);
    await fila.store();
    const runs = new Map<string, number>();
    const task = defineTask({
      name: 'order-email',
      handler: (_p, ctx) => void runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1),
    });
    // A 60 s poll: only the NOTIFY sent at COMMIT can start the job quickly.
    const worker = fila.worker({ tasks: [task], pollInterval: '60s', handleSignals: false });
    await worker.start();
    await sleep(200);
    const app = new pg.Client({ connectionString: POSTGRES_URL });
    await app.connect();
    cleanups.push(() => app.end());

    await app.query('BEGIN');
    const lost = await fila.enqueue(task, null, { tx: app });
    await sleep(500);
    await app.query('ROLLBACK');

    await app.query('BEGIN');
    const kept = await fila.enqueue(task, null, { tx: app });
    await sleep(500);
    // Invisible to the worker (and everyone else) until the application commits.
    expect(runs.size).toBe(0);
    expect(await fila.getJob(kept.id)).toBeNull();
    const committed = Date.now();
    await app.query('COMMIT');
    await waitForState(fila, kept.id, 'completed', 5000);
    expect(Date.now() - committed).toBeLessThan(2000);
    await sleep(300);
    expect([...runs.entries()]).toEqual([[kept.id, 1]]);
    expect(await fila.getJob(lost.id)).toBeNull();

    // A pool is not a transaction: refused with a clear error, nothing inserted.
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    cleanups.push(() => pool.end());
    await expect(fila.enqueue(task, null, { tx: pool })).rejects.toThrow(/got a pg.Pool/);
    await expect(fila.enqueue(task, null, { tx: { nope: true } })).rejects.toThrow(
      /tx: expected the pg client/,
    );
    expect((await fila.listJobs({})).jobs).toHaveLength(1);
  }, 30_000);

  it('a dropped LISTEN connection comes back on its own, and wake-ups flow again', async () => {
    const url = freshUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const fila = client(url);
    const other = client(url); // another store object: its NOTIFYs reach the worker only through the server
    const ran: string[] = [];
    const task = defineTask({ name: 'ping', handler: (_p, ctx) => void ran.push(ctx.job.id) });
    const worker = fila.worker({ tasks: [task], pollInterval: '60s', handleSignals: false });
    await worker.start();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    cleanups.push(() => admin.end());
    const listening = () =>
      admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()',
        [`LISTEN "fila:${schema}"`],
      );
    const first = await waitFor(async () => (await listening()).rows[0]?.pid, 'the LISTEN connection');
    await admin.query('SELECT pg_terminate_backend($1)', [first]);
    const second = await waitFor(
      async () => (await listening()).rows.find((r) => r.pid !== first)?.pid,
      'a new LISTEN connection',
      5000,
    );
    expect(second).not.toBe(first);
    await sleep(100);
    const job = await other.enqueue(task, null);
    const at = Date.now();
    await waitForState(fila, job.id, 'completed', 5000);
    expect(Date.now() - at).toBeLessThan(1500);
    expect(ran).toEqual([job.id]);
  }, 30_000);

  it('kill -9 of one of three workers during a 10,000-job run: all complete, each exactly once', async () => {
    const url = freshUrl();
    const fila = client(url);
    const total = 10_000;
    for (let i = 0; i < total; i += 1000) {
      await fila.enqueueMany(Array.from({ length: 1000 }, () => ({ task: 'work', payload: { ms: 5 } })));
    }
    const workers = [0, 1, 2].map(() => new Proc('worker', url, { concurrency: 20, lease: 2000 }));
    cleanups.push(async () => workers.forEach((w) => w.kill()));
    const ids = await Promise.all(workers.map(async (w) => String((await w.next('ready')).workerId)));
    const doomed = workers[0]!;
    await waitFor(() => doomed.starts >= 1000, 'the doomed worker to start 1,000 jobs', 30_000);
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    cleanups.push(() => pool.end());
    const schema = new URL(url).searchParams.get('schema')!;
    // Kill it at a moment it holds active jobs (under load, a poll can land between two batches).
    const held = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(schema)}.jobs WHERE state = 'active' AND worker_id = $1`,
          [ids[0]],
        )
      ).rows[0]!.n;
    await waitFor(async () => (await held()) > 0, 'the doomed worker to hold active jobs', 30_000, 1);
    doomed.kill('SIGKILL');
    await doomed.exited;

    const store = await fila.store();
    await waitFor(
      async () => (await store.queueList()).find((q) => q.name === 'default')?.counts.completed === total,
      'all 10,000 jobs completed',
      60_000,
      200,
    );
    const rows = await pool.query<{ id: string; pid: number; crash_count: number }>(
      `SELECT id, (result->>'pid')::int AS pid, crash_count FROM ${pg.escapeIdentifier(schema)}.jobs`,
    );
    expect(rows.rows).toHaveLength(total);
    const byPid = new Map<number, Set<string>>();
    for (const r of rows.rows) {
      if (!byPid.has(r.pid)) byPid.set(r.pid, new Set());
      byPid.get(r.pid)!.add(r.id);
    }
    // Each survivor reported exactly the completions the store kept from it, each once.
    for (const w of workers.slice(1)) {
      const reported = w.list('done');
      expect(new Set(reported).size).toBe(reported.length);
      expect(new Set(reported)).toEqual(byPid.get(w.process.pid!) ?? new Set());
    }
    // The killed worker's reported completions (those that reached the parent) are among its kept ones.
    const kept = byPid.get(doomed.process.pid!) ?? new Set();
    expect(doomed.list('done').every((id) => kept.has(id))).toBe(true);
    // Jobs it held when it died were rescued (a crash, not an attempt) and completed by the others.
    expect(rows.rows.filter((r) => r.crash_count > 0).length).toBeGreaterThan(0);
    expect(rows.rows.every((r) => r.pid !== doomed.process.pid || r.crash_count === 0)).toBe(true);
  }, 120_000);
});
