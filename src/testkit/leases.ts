/**
 * Conformance: leases and fencing — claims return a token and a store-clock expiry, stale tokens
 * change nothing, heartbeats extend leases, expired leases are rescued (crashes counted apart from
 * attempts), and a worker that loses a lease aborts its handler and cannot complete the job.
 */
import { describe, expect } from 'vitest';
import type { ClaimedJob, Store } from '../core/store.js';
import { defineTask } from '../core/task.js';
import type { ConformanceTest } from './conformance.js';
import { sleep, waitFor, waitForState } from './harness.js';

const claimOne = async (store: Store, leaseMs = 30_000) => {
  const { jobs } = await store.jobClaim({ queues: ['default'], limit: 1, leaseMs, workerId: 'test-worker' });
  if (!jobs[0]) throw new Error('nothing claimed');
  return jobs[0];
};

/** The same store with some methods replaced (fault injection). */
export function withOverrides(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function leaseTests(test: ConformanceTest): void {
  describe('leases and fencing', () => {
    test('a claim returns a token and a lease expiry from the store clock', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      const job = await fila.enqueue('noop', { n: 1 });
      const before = Date.now();
      const claimed = await claimOne(store, 5000);
      expect(claimed).toMatchObject({
        id: job.id,
        state: 'active',
        attempt: 1,
        payload: { n: 1 },
        workerId: 'test-worker',
      });
      expect(typeof claimed.token).toBe('string');
      // Within the store clock's skew of this host, the expiry is claim time + lease.
      expect(claimed.leaseExpiresAt).toBeGreaterThan(before + 4000);
      expect(claimed.leaseExpiresAt).toBeLessThan(Date.now() + 6000);
      expect(await fila.getJob(job.id)).toMatchObject({ state: 'active', attempt: 1 });
      expect(
        (await store.jobClaim({ queues: ['default'], limit: 5, leaseMs: 5000, workerId: 'other' })).jobs,
      ).toEqual([]);
    });

    test('each job of one claim has its own token, and completing with one ends only its job', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany([1, 2, 3].map((n) => ({ task: 'noop', payload: { n } })));
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 3,
        leaseMs: 30_000,
        workerId: 'w',
      });
      expect(jobs).toHaveLength(3);
      expect(new Set(jobs.map((j) => j.token)).size).toBe(3);
      const [a, b, c] = jobs as [(typeof jobs)[0], (typeof jobs)[0], (typeof jobs)[0]];
      const done = await store.jobCompleteMany({ jobs: [{ id: b.id, token: b.token, result: null }] });
      expect(done.done.map((d) => [d.id, d.token])).toEqual([[b.id, b.token]]);
      expect(await fila.getJob(a.id)).toMatchObject({ state: 'active' });
      expect(await fila.getJob(b.id)).toMatchObject({ state: 'completed' });
      expect(await fila.getJob(c.id)).toMatchObject({ state: 'active' });
    });

    test('a claim naming a queue twice takes each job once and loses none', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany(
        Array.from({ length: 6 }, (_, i) => ({ task: 'noop', payload: { i }, options: { priority: i % 2 } })),
      );
      const claim = { queues: ['default', 'default'], limit: 3, leaseMs: 30_000, workerId: 'w' };
      const first = await store.jobClaim(claim);
      const second = await store.jobCompleteMany({ jobs: [], claim });
      const third = await store.jobCompleteMany({ jobs: [], claim });
      const ids = [...first.jobs, ...second.claimed!.jobs].map((j) => j.id);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
      expect(third.claimed!.jobs).toEqual([]);
      expect((await fila.listQueues())[0]!.counts).toMatchObject({ queued: 0, active: 6 });
    });

    test('a report naming another job than its token changes nothing', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany([1, 2].map((n) => ({ task: 'noop', payload: { n } })));
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 2,
        leaseMs: 30_000,
        workerId: 'w',
      });
      const [a, b] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];
      // a's id with b's (valid) token: neither a nor b may change.
      const mixed = { id: a.id, token: b.token };
      const complete = await store.jobCompleteMany({ jobs: [{ ...mixed, result: '"wrong"' }] });
      expect(complete).toMatchObject({ done: [], lost: [mixed] });
      const fail = await store.jobFailMany({
        jobs: [{ ...mixed, error: { name: 'Error', message: 'wrong' }, retryDelayMs: null }],
      });
      expect(fail).toMatchObject({ done: [], lost: [mixed] });
      const release = await store.jobReleaseMany({ jobs: [{ ...mixed, delayMs: 0 }] });
      expect(release).toMatchObject({ done: [], lost: [mixed] });
      expect(
        (await store.jobProgressMany({ jobs: [{ ...mixed, percent: 50, message: 'wrong' }] })).lost,
      ).toEqual([mixed]);
      expect((await store.jobExtendLeases({ leases: [mixed], leaseMs: 30_000 })).lost).toEqual([mixed]);
      expect((await store.jobCheckLeases({ leases: [mixed] })).lost).toEqual([mixed]);
      for (const job of [a, b]) {
        expect(await fila.getJob(job.id)).toMatchObject({ state: 'active', progress: null, result: null });
      }
      const right = await store.jobCompleteMany({ jobs: [{ id: b.id, token: b.token, result: null }] });
      expect(right.done.map((d) => d.id)).toEqual([b.id]);
    });

    test('a claim whose reply was lost is handed back by its id: queued, attempt unspent, no crash', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany([0, 1, 2, 3].map((i) => ({ task: 'noop', payload: { i } })));
      const claimId = '0123456789abcdef';
      const params = { queues: ['default'], limit: 3, leaseMs: 30_000, workerId: 'w' };
      const lost = await store.jobClaim({ ...params, claimId });
      const [done, cancelled, waiting] = lost.jobs as [ClaimedJob, ClaimedJob, ClaimedJob];
      expect(lost.jobs).toHaveLength(3);
      // One finished meanwhile, one had a cancel requested; a claim under another id is not touched.
      await store.jobCompleteMany({ jobs: [{ id: done.id, token: done.token, result: null }] });
      await fila.cancel(cancelled.id);
      const other = await store.jobClaim({ ...params, limit: 1 });
      const released = await store.jobReleaseClaim({ claimId });
      expect(released).toEqual({ released: [waiting.id], cancelled: [cancelled.id] });
      expect(await fila.getJob(waiting.id)).toMatchObject({ state: 'queued', attempt: 0, crashCount: 0 });
      expect(await fila.getJob(cancelled.id)).toMatchObject({ state: 'cancelled' });
      expect(await fila.getJob(done.id)).toMatchObject({ state: 'completed' });
      expect(await fila.getJob(other.jobs[0]!.id)).toMatchObject({ state: 'active' });
      // The old lease is dead, a second call finds nothing, and the job is claimed again.
      const stale = { id: waiting.id, token: waiting.token, result: null };
      expect((await store.jobCompleteMany({ jobs: [stale] })).lost).toHaveLength(1);
      expect(await store.jobReleaseClaim({ claimId })).toEqual({ released: [], cancelled: [] });
      const again = await store.jobClaim({ ...params, limit: 5 });
      expect(again.jobs.map((j) => j.id)).toEqual([waiting.id]);
      expect(again.jobs[0]).toMatchObject({ attempt: 1, crashCount: 0 });
      await expect(store.jobReleaseClaim({ claimId: 'not hex' })).rejects.toThrow(/claimId/);
      await expect(store.jobClaim({ ...params, claimId: 'ABC' })).rejects.toThrow(/claimId/);
      await expect(store.jobClaim({ ...params, claimId: '01234567' })).rejects.toThrow(/claimId/);
    });

    test('a job completes at most once: a stale or repeated report changes nothing', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueue('noop', {});
      const claimed = await claimOne(store);
      const forged = { id: claimed.id, token: `${claimed.token}x`, result: '"forged"' };
      expect(await store.jobCompleteMany({ jobs: [forged] })).toMatchObject({
        done: [],
        lost: [{ id: claimed.id, token: forged.token }],
      });
      const first = await store.jobCompleteMany({
        jobs: [{ id: claimed.id, token: claimed.token, result: '"first"' }],
      });
      expect(first.done.map((d) => [d.id, d.token, d.state])).toEqual([
        [claimed.id, claimed.token, 'completed'],
      ]);
      const second = await store.jobCompleteMany({
        jobs: [{ id: claimed.id, token: claimed.token, result: '"second"' }],
      });
      const lease = { id: claimed.id, token: claimed.token };
      expect(second.lost).toEqual([lease]);
      const failAfter = await store.jobFailMany({
        jobs: [
          {
            id: claimed.id,
            token: claimed.token,
            error: { name: 'Error', message: 'late' },
            retryDelayMs: 0,
          },
        ],
      });
      expect(failAfter.lost).toEqual([lease]);
      const progress = await store.jobProgressMany({ jobs: [{ ...lease, percent: 5, message: null }] });
      expect(progress.lost).toEqual([lease]);
      expect(await fila.getJob(claimed.id)).toMatchObject({
        state: 'completed',
        result: 'first',
        progress: null,
      });
    });

    test('heartbeats extend leases; checks report cancel requests and lost leases', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany([{ task: 'noop' }, { task: 'noop' }]);
      const a = await claimOne(store, 1000);
      const b = await claimOne(store, 1000);
      await sleep(600);
      expect(await store.jobExtendLeases({ leases: [a, b], leaseMs: 1000 })).toEqual({
        lost: [],
        cancelRequested: [],
      });
      await sleep(600);
      // Both leases would have expired without the extension.
      expect((await store.jobRescue({ maxCrashes: 3, limit: 100 })).requeued).toEqual([]);
      await fila.cancel(a.id);
      const leaseA = { id: a.id, token: a.token };
      const leaseB = { id: b.id, token: b.token };
      expect(await store.jobCheckLeases({ leases: [a, b] })).toEqual({ lost: [], cancelRequested: [leaseA] });
      await sleep(1100);
      const rescued = await store.jobRescue({ maxCrashes: 3, limit: 100 });
      expect(rescued).toEqual({ requeued: [b.id], failed: [], cancelled: [a.id] });
      expect(await store.jobCheckLeases({ leases: [a, b] })).toEqual({
        lost: [leaseA, leaseB],
        cancelRequested: [],
      });
      expect((await store.jobExtendLeases({ leases: [a, b], leaseMs: 1000 })).lost).toEqual([leaseA, leaseB]);
    });

    test('an expired lease is rescued without spending an attempt; too many crashes fail the job', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      const job = await fila.enqueue('noop', {}, { maxAttempts: 5 });
      for (let crash = 1; crash <= 2; crash++) {
        await claimOne(store, 100);
        await sleep(150);
        expect(await store.jobRescue({ maxCrashes: 3, limit: 100 })).toEqual({
          requeued: [job.id],
          failed: [],
          cancelled: [],
        });
        expect(await fila.getJob(job.id)).toMatchObject({ state: 'queued', attempt: 0, crashCount: crash });
      }
      await claimOne(store, 100);
      await sleep(150);
      expect((await store.jobRescue({ maxCrashes: 3, limit: 100 })).failed).toEqual([job.id]);
      const failed = await fila.getJob(job.id);
      expect(failed).toMatchObject({
        state: 'failed',
        crashCount: 3,
        error: { name: 'LeaseExpiredError', crash: true },
      });
      expect(failed!.errors).toHaveLength(3);
      expect(failed!.finishedAt).toBeInstanceOf(Date);
    });

    test('overdue scheduled and retrying jobs of queues no worker serves are marked queued, in order', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      const served = await fila.enqueue('noop', {}, { queue: 'served', delay: 800 });
      const later = await fila.enqueue('noop', {}, { queue: 'unserved', delay: 60_000 });
      const soon = await fila.enqueue('noop', {}, { queue: 'unserved', delay: 800 });
      // Inserted after `soon` but due before it.
      const sooner = await fila.enqueue('noop', {}, { queue: 'unserved', delay: 700 });
      const retried = await fila.enqueue('noop', {}, { queue: 'unserved-too', maxAttempts: 3 });
      const { jobs } = await store.jobClaim({
        queues: ['unserved-too'],
        limit: 1,
        leaseMs: 30_000,
        workerId: 'test-worker',
      });
      const lease = { id: jobs[0]!.id, token: jobs[0]!.token };
      await store.jobFailMany({
        jobs: [{ ...lease, error: { name: 'Error', message: 'once' }, retryDelayMs: 900 }],
      });
      expect(await fila.getJob(retried.id)).toMatchObject({ state: 'retrying', attempt: 1 });
      expect(await store.jobPromoteDue({ exceptQueues: [], limit: 100 })).toEqual({ promoted: 0 });
      expect(await fila.getJob(soon.id)).toMatchObject({ state: 'scheduled' });
      await sleep(1000);
      // The oldest run-at first.
      expect(await store.jobPromoteDue({ exceptQueues: ['served'], limit: 1 })).toEqual({ promoted: 1 });
      expect(await fila.getJob(sooner.id)).toMatchObject({ state: 'queued' });
      expect(await fila.getJob(soon.id)).toMatchObject({ state: 'scheduled' });
      expect(await store.jobPromoteDue({ exceptQueues: ['served'], limit: 100 })).toEqual({ promoted: 2 });
      expect(await fila.getJob(soon.id)).toMatchObject({ state: 'queued', attempt: 0 });
      expect(await fila.getJob(retried.id)).toMatchObject({ state: 'queued', attempt: 1 });
      expect(await fila.getJob(later.id)).toMatchObject({ state: 'scheduled' });
      const queues = await fila.listQueues();
      expect(queues.find((q) => q.name === 'unserved')?.counts).toMatchObject({ queued: 2, scheduled: 1 });
      expect(queues.find((q) => q.name === 'unserved-too')?.counts).toMatchObject({ queued: 1, retrying: 0 });
      // A served queue is left to its workers' claims, which take overdue jobs directly.
      expect((await fila.getJob(served.id))?.state).not.toBe('queued');
      // Promoted jobs keep their run-at, so they keep their place: `sooner` first, though inserted later.
      expect((await fila.getJob(sooner.id))?.runAt.getTime()).toBe(sooner.runAt.getTime());
      const first = await store.jobClaim({
        queues: ['unserved'],
        limit: 1,
        leaseMs: 30_000,
        workerId: 'test-worker',
      });
      expect(first.jobs.map((j) => j.id)).toEqual([sooner.id]);
      // (SQLite's claims promote due jobs of every queue, so the served one may be queued already.)
      await store.jobPromoteDue({ exceptQueues: [], limit: 100 });
      expect(await fila.getJob(served.id)).toMatchObject({ state: 'queued' });
    });

    test('a lease shorter than the cancel check is still renewed in time', async (s) => {
      const fila = s.client();
      let runs = 0;
      const slow = defineTask({
        name: 'slow-but-alive',
        handler: async () => {
          runs++;
          await sleep(2500);
          return 'done';
        },
      });
      // lease 1 s (heartbeat every ~333 ms) with the default 1 s cancel check; a second worker rescues often.
      const worker = fila.worker({ tasks: [slow], lease: 1000, handleSignals: false });
      const rescuer = fila.worker({
        tasks: [slow],
        queues: ['default'],
        rescueInterval: 100,
        handleSignals: false,
      });
      await worker.start();
      const job = await fila.enqueue(slow, null);
      await waitForState(fila, job.id, 'active');
      await rescuer.start();
      expect(await waitForState(fila, job.id, 'completed', 10_000)).toMatchObject({
        crashCount: 0,
        attempt: 1,
      });
      expect(runs).toBe(1);
    });

    test('a worker that loses its lease aborts the handler, and the job still completes exactly once', async (s) => {
      const fila = s.client();
      const runs: { worker: string; aborted?: string }[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = defineTask({
        name: 'slow-export',
        handler: async (_p, ctx) => {
          const run: { worker: string; aborted?: string } = { worker: String(ctx.job.workerId) };
          runs.push(run);
          ctx.signal.addEventListener(
            'abort',
            () => (run.aborted = (ctx.signal.reason as { code?: string }).code),
          );
          if (runs.length === 1) await gate;
          return run.worker;
        },
      });
      // Worker A: its heartbeats never reach the store (a partitioned worker).
      const store = await fila.store();
      const partitioned = withOverrides(store, {
        jobExtendLeases: async () => ({ lost: [], cancelRequested: [] }),
      });
      const { Fila } = await import('../client/fila.js');
      const cut = new Fila({ store: partitioned });
      // Concurrency 1: its zombie handler keeps the only slot, so A cannot claim the job again.
      const a = cut.worker({
        tasks: [slow],
        concurrency: 1,
        lease: 1000,
        heartbeatInterval: 300,
        cancelCheckInterval: 100,
        handleSignals: false,
        id: 'worker-a',
      });
      const lost: string[] = [];
      a.on('job:lease-lost', (e) => void lost.push(e.job.id));
      await a.start();
      const job = await fila.enqueue(slow, null);
      await waitFor(() => runs.length === 1, 'worker A to start the job');
      // Worker B rescues the expired lease and runs the job again.
      const b = fila.worker({ tasks: [slow], rescueInterval: 200, handleSignals: false, id: 'worker-b' });
      await b.start();
      const done = await waitForState(fila, job.id, 'completed', 10_000);
      expect(done).toMatchObject({ result: 'worker-b', crashCount: 1 });
      await waitFor(() => runs[0]!.aborted, 'worker A to abort its handler');
      expect(runs[0]!.aborted).toBe('lease_lost');
      expect(lost).toEqual([job.id]);
      release();
      await sleep(200);
      expect(await fila.getJob(job.id)).toMatchObject({ state: 'completed', result: 'worker-b' });
      await a.stop({ grace: 0 });
      await cut.close();
    });
  });
}
