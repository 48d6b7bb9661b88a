/**
 * PostgreSQL restarted under load, on a private server this test starts itself (initdb in a temporary
 * folder, its own port and socket): `pg_ctl restart -m fast`, then a crash-like `-m immediate` stop and a start,
 * in the middle of a 10,000-job run with two worker processes and two producers still enqueuing.
 *
 * Outcomes: no accepted job is lost, none is completed twice, the workers and their LISTEN connections
 * recover on their own within 30 s, and enqueues made while the server is down fail quickly with
 * StoreUnavailableError instead of hanging.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFila, type Fila } from '../../src/client/fila.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { sleep, waitFor, waitForState } from '../../src/testkit/harness.js';
import { findBinaries, PrivateInstance } from './postgres/instance.js';
import { Proc } from './postgres/procs.js';

const bin = findBinaries();
const required = (process.env.FILA_REQUIRE_STORES ?? '').split(',').includes('postgres');
if (!bin && required)
  throw new Error('postgres is required (FILA_REQUIRE_STORES) but initdb/pg_ctl were not found');
if (!bin)
  console.warn('skipping the PostgreSQL restart tests: initdb and pg_ctl not found (set FILA_PG_BIN)');

describe.skipIf(!bin)('postgres store across server restarts', () => {
  let server: PrivateInstance;
  let url: string;
  let fila: Fila;
  let db: pg.Pool;
  const procs: Proc[] = [];

  beforeAll(async () => {
    server = new PrivateInstance(bin!);
    await server.init();
    url = `${server.url}&schema=fila&connectTimeoutMs=3000`;
    fila = createFila({ store: url });
    await fila.store();
    db = new pg.Pool({ connectionString: server.url, max: 2 });
    db.on('error', () => {});
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill();
    await fila?.close({ grace: 0 }).catch(() => {});
    await db?.end().catch(() => {});
    server?.destroy();
  });

  /** Completed jobs, counted on the server (retrying while it restarts). */
  const completed = async () =>
    (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fila.jobs WHERE state = 'completed'"))
      .rows[0]!.n;

  /** Waits until every worker has reported completions beyond `before`; returns how long it took. */
  async function workersRecovered(workers: Proc[], before: number[]): Promise<number> {
    const since = Date.now();
    await waitFor(
      () => workers.every((w, i) => w.list('done').length > before[i]!),
      'both workers to complete jobs again',
      30_000,
      50,
    );
    return Date.now() - since;
  }

  it('loses no accepted job, completes none twice, recovers on its own, never hangs', async () => {
    const initial = await fila.enqueueMany(
      Array.from({ length: 5000 }, () => ({ task: 'work', payload: { ms: 5 } })),
    );
    // A 60 s poll: after a restart, only their own retries and the re-established LISTEN wake them.
    const workers = [0, 1].map(
      () => new Proc('worker', url, { concurrency: 10, lease: 5000, pollInterval: 60_000 }),
    );
    const producers = [0, 1].map(() => new Proc('producer', url, { count: 2500, ms: 5, pauseMs: 3 }));
    procs.push(...workers, ...producers);
    await Promise.all([...workers, ...producers].map((p) => p.next('ready')));

    await waitFor(() => workers.every((w) => w.list('done').length > 200), 'the run to be under way');
    server.restartFast();
    const fastRecovery = await workersRecovered(
      workers,
      workers.map((w) => w.list('done').length),
    );

    await sleep(500);
    expect(producers.every((p) => !p.messages.some((m) => m.type === 'finished'))).toBe(true);
    server.stopImmediate();
    const whileDown = Date.now();
    const refused = await fila.enqueue('work', { ms: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    const refusedAfterMs = Date.now() - whileDown;
    await sleep(2000);
    const before = workers.map((w) => w.list('done').length);
    server.start();
    const immediateRecovery = await workersRecovered(workers, before);

    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect(refusedAfterMs).toBeLessThan(5000);
    expect(fastRecovery).toBeLessThan(30_000);
    expect(immediateRecovery).toBeLessThan(30_000);

    await Promise.all(producers.map((p) => p.next('finished', 120_000)));
    const accepted = [...initial.map((j) => j.id), ...producers.flatMap((p) => p.list('accepted'))];
    const failures = producers.flatMap((p) => p.messages.filter((m) => m.type === 'failed'));
    // Enqueues made while the server was down failed, each quickly and with StoreUnavailableError.
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.code === 'store_unavailable')).toBe(true);
    expect(Math.max(...failures.map((f) => f.ms!))).toBeLessThan(10_000);

    await waitFor(
      async () => (await completed()) >= accepted.length,
      'every accepted job to complete',
      90_000,
      200,
    );
    const rows = await db.query<{ id: string; state: string; pid: number }>(
      "SELECT id, state, (result->>'pid')::int AS pid FROM fila.jobs",
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    // No accepted job lost: every one is there, completed.
    const missing = accepted.filter((id) => byId.get(id)?.state !== 'completed');
    expect(missing).toEqual([]);
    // None completed twice: each completion a worker saw succeed is the one the store kept, once.
    const reported = workers.flatMap((w) => w.list('done').map((id) => [id, w.process.pid!] as const));
    expect(new Set(reported.map(([id]) => id)).size).toBe(reported.length);
    expect(reported.every(([id, pid]) => byId.get(id)?.pid === pid)).toBe(true);

    // The LISTEN connections are back: an idle worker (60 s poll) starts a new job at once.
    const late = await fila.enqueue('work', { ms: 0 });
    const at = Date.now();
    await waitForState(fila, late.id, 'completed', 5000);
    expect(Date.now() - at).toBeLessThan(3000);
  }, 240_000);
});
