/**
 * The worker runtime when the store misbehaves, on a real SQLite store with faults injected at its
 * methods: a store that cannot open, an outcome the store refuses every time, and a worker cut off from
 * the store while a handler runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFila,
  defineTask,
  FilaError,
  SqliteStore,
  StoreUnavailableError,
  type Fila,
} from '../../src/index.js';
import { sleep, waitFor, waitForState } from '../../src/testkit/harness.js';
import { withOverrides } from '../../src/testkit/leases.js';
import type { FinishResult, Store } from '../../src/core/store.js';

let dir: string;
let path: string;
const clients: Fila[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-worker-faults-'));
  path = join(dir, 'fila.db');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * `store` whose first `method` call that writes something lands, and then fails as if its reply were
 * lost with the connection (StoreUnavailableError).
 */
function losingFirstReply(store: Store, method: 'jobCompleteMany' | 'jobReleaseMany'): Store {
  let lose = true;
  const call = store[method].bind(store) as (params: never) => Promise<FinishResult>;
  return withOverrides(store, {
    [method]: async (params: never) => {
      const result = await call(params);
      if (lose && result.done.length) {
        lose = false;
        throw new StoreUnavailableError('connection lost (test)');
      }
      return result;
    },
  });
}

function client(options: Parameters<typeof createFila>[0]): Fila {
  const fila = createFila(options);
  clients.push(fila);
  return fila;
}

describe('worker faults', () => {
  it('a worker whose store cannot open rejects start(), and stop() and close() then return', async () => {
    // Nothing listens on port 1: opening the store fails (SQLite stores open synchronously, so their
    // failures surface from createFila instead).
    const fila = createFila({ store: 'postgres://postgres@127.0.0.1:1/test' });
    const worker = fila.worker({ tasks: [defineTask({ name: 'noop', handler: () => null })] });
    await expect(worker.start()).rejects.toThrow(StoreUnavailableError);
    const ended = await Promise.race([
      Promise.all([worker.stop(), fila.close()]).then(() => 'ended'),
      sleep(2000).then(() => 'hung'),
    ]);
    expect(ended).toBe('ended');
    // The same with stop() and close() called while start() is still failing.
    const again = createFila({ store: 'postgres://postgres@127.0.0.1:1/test' });
    const second = again.worker({ tasks: [defineTask({ name: 'noop', handler: () => null })] });
    const starting = second.start();
    const stopping = Promise.all([second.stop(), again.close()]);
    await expect(starting).rejects.toThrow(StoreUnavailableError);
    await expect(stopping).resolves.toBeDefined();
  });

  it('an outcome the store refuses every time holds back no other, and its lease is left to expire', async () => {
    const store = new SqliteStore({ path });
    // The store refuses any failure whose message says "poison" (as PostgreSQL refused NUL characters).
    const refusing = withOverrides(store, {
      jobFailMany: async (params) => {
        if (params.jobs.some((j) => j.error.message.includes('poison')))
          throw new FilaError('store_error', 'the store refused this batch');
        return store.jobFailMany(params);
      },
    });
    const fila = client({ store: refusing });
    const task = defineTask({
      name: 'fails',
      maxAttempts: 1,
      handler: async (p: { message: string }) => {
        await sleep(50); // both failures reach the same batch
        throw new Error(p.message);
      },
    });
    const errors: string[] = [];
    const worker = fila.worker({ tasks: [task], lease: 1000, rescueInterval: 100000, handleSignals: false });
    worker.on('worker:error', (e) => void errors.push(e.during));
    await worker.start();
    const poisoned = await fila.enqueue(task, { message: 'poison' });
    const plain = await fila.enqueue(task, { message: 'plain' });
    expect(await waitForState(fila, plain.id, 'failed', 3000)).toMatchObject({ error: { message: 'plain' } });
    await waitFor(() => errors.some((d) => d.includes('refused it every time')), 'the worker to give up');
    // Its lease is no longer renewed: once it expires, the job can be rescued and run again.
    const before = (await fila.getJob(poisoned.id))!;
    expect(before.state).toBe('active');
    await sleep(1300);
    const rescued = await store.jobRescue({ maxCrashes: 3, limit: 10 });
    expect(rescued.requeued).toContain(poisoned.id);
    await worker.stop({ grace: 0 });
  });

  it('a worker cut off from the store aborts a running handler once its lease has certainly expired', async () => {
    const store = new SqliteStore({ path });
    let cut = false;
    const unreachable = () => Promise.reject(new StoreUnavailableError('the store is unreachable (test)'));
    const partitioned = withOverrides(store, {
      jobExtendLeases: (params) => (cut ? unreachable() : store.jobExtendLeases(params)),
      jobCheckLeases: (params) => (cut ? unreachable() : store.jobCheckLeases(params)),
    });
    const fila = client({ store: partitioned });
    let abortedAfterMs: number | undefined;
    let cutAt = 0;
    const task = defineTask({
      name: 'long',
      handler: async (_p, ctx) => {
        cut = true;
        cutAt = Date.now();
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            abortedAfterMs = Date.now() - cutAt;
            resolve();
          }),
        );
        return (ctx.signal.reason as { code?: string }).code;
      },
    });
    const lost: string[] = [];
    const worker = fila.worker({
      tasks: [task],
      lease: 1000,
      heartbeatInterval: 300,
      cancelCheckInterval: 100,
      handleSignals: false,
    });
    worker.on('job:lease-lost', (e) => void lost.push(e.job.id));
    await worker.start();
    const job = await fila.enqueue(task, null);
    await waitFor(() => abortedAfterMs !== undefined, 'the handler to be aborted', 5000);
    // Aborted after the lease (1 s from the claim's reply) and within about a tick of it.
    expect(abortedAfterMs!).toBeGreaterThanOrEqual(900);
    expect(abortedAfterMs!).toBeLessThan(1600);
    expect(lost).toEqual([job.id]);
    await worker.stop({ grace: 0 });
  });

  it('a handler that ignores its aborted signal is reported and its slot freed after abortGrace', async () => {
    const fila = client({ store: `sqlite://${path}` });
    const ignoring = defineTask({
      name: 'ignores-signal',
      timeout: 100,
      maxAttempts: 1,
      handler: (p: { hang: boolean }) => (p.hang ? new Promise(() => {}) : 'ran'),
    });
    const errors: string[] = [];
    const worker = fila.worker({ tasks: [ignoring], concurrency: 1, abortGrace: 300, handleSignals: false });
    worker.on('worker:error', (e) => void errors.push(e.during));
    await worker.start();
    const stuck = await fila.enqueue(ignoring, { hang: true });
    const next = await fila.enqueue(ignoring, { hang: false });
    expect(await waitForState(fila, stuck.id, 'failed')).toMatchObject({ error: { code: 'job_timeout' } });
    expect(await waitForState(fila, next.id, 'completed', 3000)).toMatchObject({ result: 'ran' });
    expect(errors.filter((d) => d.includes('ignored its aborted signal'))).toHaveLength(1);
    expect(worker.activeCount).toBe(0);
    await worker.stop({ grace: 0 });
  });

  it('a handler throwing a value with no toString fails its job like any error', async () => {
    const fila = client({ store: `sqlite://${path}` });
    const odd = defineTask({
      name: 'throws-odd',
      maxAttempts: 1,
      handler: () => {
        throw Object.create(null) as unknown;
      },
    });
    const worker = fila.worker({ tasks: [odd], handleSignals: false });
    await worker.start();
    const job = await fila.enqueue(odd, null);
    expect(await waitForState(fila, job.id, 'failed')).toMatchObject({
      error: { message: '[object Object]' },
    });
    expect(worker.activeCount).toBe(0);
    await worker.stop({ grace: 0 });
  });

  it('a completion whose reply was lost, written again, is reported complete, not lost', async () => {
    const fila = client({ store: losingFirstReply(new SqliteStore({ path }), 'jobCompleteMany') });
    const task = defineTask({ name: 'quick', handler: () => 'ok' });
    const completed: string[] = [];
    const lost: string[] = [];
    const worker = fila.worker({ tasks: [task], concurrency: 1, prefetch: 0, handleSignals: false });
    worker.on('job:complete', (e) => void completed.push(e.job.id));
    worker.on('job:lease-lost', (e) => void lost.push(e.job.id));
    await worker.start();
    const job = await fila.enqueue(task, null);
    await waitFor(() => completed.length + lost.length > 0, 'the outcome to be settled');
    expect({ completed, lost }).toEqual({ completed: [job.id], lost: [] });
    expect((await fila.getJob(job.id))!.state).toBe('completed');
    await worker.stop({ grace: 0 });
  });

  it('a snooze whose reply was lost, written again, is reported as a snooze, not a lost lease', async () => {
    const fila = client({ store: losingFirstReply(new SqliteStore({ path }), 'jobReleaseMany') });
    const task = defineTask({ name: 'later', handler: (_p, ctx) => ctx.snooze('1h') });
    const snoozed: string[] = [];
    const lost: string[] = [];
    const worker = fila.worker({ tasks: [task], handleSignals: false });
    worker.on('job:snooze', (e) => void snoozed.push(e.job.id));
    worker.on('job:lease-lost', (e) => void lost.push(e.job.id));
    await worker.start();
    const job = await fila.enqueue(task, null);
    await waitFor(() => snoozed.length + lost.length > 0, 'the outcome to be settled');
    expect({ snoozed, lost }).toEqual({ snoozed: [job.id], lost: [] });
    expect((await fila.getJob(job.id))!.state).toBe('scheduled');
    await worker.stop({ grace: 0 });
  });

  it('jobs of a claim whose reply was lost are handed back at once and run without a crash counted', async () => {
    for (const method of ['jobClaim', 'jobCompleteMany'] as const) {
      const base = new SqliteStore({ path: join(dir, `${method}.db`) });
      let lose = true;
      // The claim lands, then its reply is lost as with a dropped connection.
      const lossy = withOverrides(base, {
        jobClaim: async (params) => {
          const result = await base.jobClaim(params);
          if (method === 'jobClaim' && lose && result.jobs.length) {
            lose = false;
            throw new StoreUnavailableError('connection lost (test)');
          }
          return result;
        },
        jobCompleteMany: async (params) => {
          const result = await base.jobCompleteMany(params);
          if (method === 'jobCompleteMany' && lose && result.claimed?.jobs.length) {
            lose = false;
            throw new StoreUnavailableError('connection lost (test)');
          }
          return result;
        },
      });
      const fila = client({ store: lossy });
      const task = defineTask({ name: 'quick', handler: () => 'ok' });
      const worker = fila.worker({ tasks: [task], concurrency: 2, prefetch: 0, handleSignals: false });
      await worker.start();
      const jobs = await fila.enqueueMany(
        Array.from({ length: 6 }, (_, i) => ({ task: 'quick', payload: { i } })),
      );
      const started = Date.now();
      for (const job of jobs) {
        // Well before the 30 s lease would have expired: handed back, not rescued.
        expect(await waitForState(fila, job.id, 'completed', 5000)).toMatchObject({ crashCount: 0 });
      }
      expect(lose).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
      await worker.stop({ grace: 0 });
    }
  });
});
