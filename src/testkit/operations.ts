/**
 * Conformance: reading and operating on jobs — get, list with filters and cursors, counts per queue
 * and state, cancel, retry (one and bulk), remove, pause/resume, clean.
 */
import { describe, expect } from 'vitest';
import { JobNotFoundError, JobStateError, ValidationError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import type { ConformanceTest } from './conformance.js';
import { sleep, waitForState } from './harness.js';
import { nap, noop } from './tasks.js';

/** Claims one job of `queue` and fails it for good (a quick way to make a failed job). */
async function failOne(store: Store, queue = 'default'): Promise<string> {
  const { jobs } = await store.jobClaim({ queues: [queue], limit: 1, leaseMs: 30_000, workerId: 'test' });
  const job = jobs[0]!;
  await store.jobFailMany({
    jobs: [{ id: job.id, token: job.token, error: { name: 'Error', message: 'boom' }, retryDelayMs: null }],
  });
  return job.id;
}

export function operationTests(test: ConformanceTest): void {
  describe('reads and operations', () => {
    test('getJob returns null for an unknown id', async (s) => {
      const fila = s.client();
      expect(await fila.getJob('01890000-0000-7000-8000-000000000000')).toBeNull();
      expect(await fila.getJob('not-an-id')).toBeNull();
    });

    test('listJobs filters by queue, state, task and tenant', async (s) => {
      const fila = s.client();
      await fila.enqueue('a', {}, { queue: 'q1' });
      await fila.enqueue('b', {}, { queue: 'q1', tenant: 't1' });
      await fila.enqueue('a', {}, { queue: 'q2', delay: '1h' });
      const names = async (q: Parameters<typeof fila.listJobs>[0]) =>
        (await fila.listJobs(q)).jobs.map((j) => `${j.task}@${j.queue}`).sort();
      expect(await names({ queue: 'q1' })).toEqual(['a@q1', 'b@q1']);
      expect(await names({ task: 'a' })).toEqual(['a@q1', 'a@q2']);
      expect(await names({ state: 'scheduled' })).toEqual(['a@q2']);
      expect(await names({ state: ['queued', 'scheduled'], queue: 'q2' })).toEqual(['a@q2']);
      expect(await names({ tenant: 't1' })).toEqual(['b@q1']);
      await expect(fila.listJobs({ state: 'done' as never })).rejects.toThrow(/unknown state "done"/);
      await expect(fila.listJobs({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(fila.listJobs({ color: 'red' } as never)).rejects.toThrow(/unknown option "color"/);
    });

    test('listJobs pages with a cursor, newest first or oldest first, without gaps or repeats', async (s) => {
      const fila = s.client();
      const jobs = await fila.enqueueMany(
        Array.from({ length: 53 }, (_, i) => ({ task: 'noop', payload: { i } })),
      );
      for (const order of ['desc', 'asc'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await fila.listJobs({ limit: 10, cursor, order });
          seen.push(...page.jobs.map((j) => j.id));
          cursor = page.cursor;
        } while (cursor);
        const expected = jobs.map((j) => j.id);
        expect(seen).toEqual(order === 'asc' ? expected : expected.reverse());
      }
      await expect(fila.listJobs({ cursor: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
    });

    test('listQueues counts jobs per queue and state', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany([
        { task: 'noop', options: { queue: 'mail' } },
        { task: 'noop', options: { queue: 'mail' } },
        { task: 'noop', options: { queue: 'mail', delay: '1h' } },
        { task: 'noop', options: { queue: 'sync' } },
      ]);
      await failOne(store, 'sync');
      const queues = await fila.listQueues();
      expect(queues.map((q) => q.name)).toEqual(['mail', 'sync']);
      expect(queues[0]).toMatchObject({
        name: 'mail',
        paused: false,
        counts: { queued: 2, scheduled: 1, failed: 0 },
      });
      expect(queues[1]).toMatchObject({ name: 'sync', counts: { queued: 0, failed: 1 } });
    });

    test('cancel: a pending job is cancelled at once; a finished one is refused; an unknown id is not found', async (s) => {
      const fila = s.client();
      const job = await fila.enqueue('noop', {}, { delay: '1h' });
      const cancelled = await fila.cancel(job.id);
      expect(cancelled).toMatchObject({ state: 'cancelled' });
      expect(cancelled.finishedAt).toBeInstanceOf(Date);
      await expect(fila.cancel(job.id)).rejects.toBeInstanceOf(JobStateError);
      await expect(fila.cancel('01890000-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(
        JobNotFoundError,
      );
      const store = await fila.store();
      const next = await store.jobClaim({ queues: ['default'], limit: 10, leaseMs: 30_000, workerId: 't' });
      expect(next.jobs).toHaveLength(0);
    });

    test('cancelMany cancels the jobs matching a filter and refuses an empty filter', async (s) => {
      const fila = s.client();
      await fila.enqueueMany([
        { task: 'noop', options: { queue: 'a' } },
        { task: 'noop', options: { queue: 'a' } },
        { task: 'noop', options: { queue: 'b' } },
      ]);
      expect(await fila.cancelMany({ queue: 'a' })).toEqual({ cancelled: 2, requested: 0 });
      await expect(fila.cancelMany({})).rejects.toThrow(/at least one of/);
      expect((await fila.listQueues()).find((q) => q.name === 'b')!.counts.queued).toBe(1);
    });

    test('retry puts a failed job back with a fresh attempt count and keeps its history', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueue('noop', {});
      const id = await failOne(store);
      expect(await fila.getJob(id)).toMatchObject({
        state: 'failed',
        attempt: 1,
        error: { message: 'boom' },
      });
      const retried = await fila.retry(id);
      expect(retried).toMatchObject({ state: 'queued', attempt: 0, error: null, finishedAt: null });
      expect(retried.errors.map((e) => e.message)).toEqual(['boom']);
      await expect(fila.retry(id)).rejects.toThrow(/only failed or cancelled jobs can be retried/);
    });

    test('retryMany re-queues failed jobs matching a filter', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      await fila.enqueueMany([
        { task: 'noop', options: { queue: 'a' } },
        { task: 'noop', options: { queue: 'a' } },
        { task: 'noop', options: { queue: 'b' } },
      ]);
      await failOne(store, 'a');
      await failOne(store, 'a');
      await failOne(store, 'b');
      expect(await fila.retryMany({ state: 'failed', queue: 'a' })).toEqual({ retried: 2 });
      const counts = Object.fromEntries((await fila.listQueues()).map((q) => [q.name, q.counts]));
      expect(counts.a).toMatchObject({ queued: 2, failed: 0 });
      expect(counts.b).toMatchObject({ failed: 1 });
    });

    test('remove deletes a job and its logs, but not a running job', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      const job = await fila.enqueue('noop', {});
      await store.jobLogAppend({ entries: [{ id: job.id, attempt: 1, message: 'hello' }] });
      await fila.remove(job.id);
      expect(await fila.getJob(job.id)).toBeNull();
      expect(await fila.getLogs(job.id)).toEqual([]);
      await expect(fila.remove(job.id)).rejects.toBeInstanceOf(JobNotFoundError);
      const running = await fila.enqueue('noop', {});
      await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 30_000, workerId: 't' });
      await expect(fila.remove(running.id)).rejects.toThrow(/cancel it before removing it/);
    });

    test('a paused queue is not claimed from; resuming runs its jobs', async (s) => {
      const fila = s.client();
      await fila.pauseQueue('default');
      const job = await fila.enqueue(noop, undefined);
      const other = await fila.enqueue(noop, undefined, { queue: 'other' });
      const worker = fila.worker({
        tasks: [noop],
        queues: ['default', 'other'],
        pollInterval: 50,
        handleSignals: false,
      });
      await worker.start();
      await waitForState(fila, other.id, 'completed');
      await sleep(200);
      expect((await fila.getJob(job.id))!.state).toBe('queued');
      expect((await fila.listQueues()).find((q) => q.name === 'default')!.paused).toBe(true);
      await fila.resumeQueue('default');
      await waitForState(fila, job.id, 'completed');
      expect((await fila.listQueues()).find((q) => q.name === 'default')!.paused).toBe(false);
    });

    test('forgetQueue drops a queue that holds no job and is not paused; it is known again once used', async (s) => {
      const fila = s.client();
      const names = async () => (await fila.listQueues()).map((q) => q.name);
      // A worker serves the queue throughout: forgetting it under the worker breaks nothing.
      const worker = fila.worker({ tasks: [noop], queues: ['typo'], pollInterval: 50, handleSignals: false });
      await worker.start();
      await fila.pauseQueue('typo');
      const job = await fila.enqueue(noop, undefined, { queue: 'busy', tenant: 'acme' });
      await fila.cancel(job.id); // finished jobs count too
      expect(await names()).toEqual(expect.arrayContaining(['typo', 'busy']));
      // Paused: refused (forgetting would resume it unannounced).
      await expect(fila.forgetQueue('typo')).rejects.toThrow(/"typo" is paused; resume it/);
      await fila.resumeQueue('typo');
      await fila.forgetQueue('typo');
      await expect(fila.forgetQueue('busy')).rejects.toThrow(JobStateError);
      await expect(fila.forgetQueue('busy')).rejects.toThrow(/"busy" still holds 1 job/);
      expect(await names()).not.toContain('typo');
      expect(await names()).toContain('busy');
      await fila.remove(job.id);
      await fila.forgetQueue('busy');
      await fila.forgetQueue('never-known'); // nothing to drop: not an error
      expect(await names()).not.toContain('busy');
      // Used again, it is known again, unpaused, and its worker runs its jobs.
      const again = await fila.enqueue(noop, undefined, { queue: 'typo' });
      expect((await fila.listQueues()).find((q) => q.name === 'typo')).toMatchObject({ paused: false });
      await waitForState(fila, again.id, 'completed');
      await expect(fila.forgetQueue('bad name!')).rejects.toThrow(ValidationError);
    });

    test('clean deletes finished jobs of a state older than the cutoff, optionally per queue', async (s) => {
      const fila = s.client();
      const worker = fila.worker({ tasks: [noop, nap], queues: ['default', 'keep'], handleSignals: false });
      await worker.start();
      const done = await fila.enqueueMany([
        { task: noop },
        { task: noop },
        { task: noop, options: { queue: 'keep' } },
      ]);
      for (const j of done) await waitForState(fila, j.id, 'completed');
      const cancelled = await fila.enqueue('noop', {}, { delay: '1h' });
      await fila.cancel(cancelled.id);
      await sleep(50);
      expect(await fila.clean({ state: 'completed', olderThan: '1h' })).toEqual({ removed: 0 });
      expect(await fila.clean({ state: 'completed', olderThan: 10, queue: 'default' })).toEqual({
        removed: 2,
      });
      expect(await fila.getJob(done[2]!.id)).not.toBeNull();
      expect(await fila.clean({ state: 'cancelled', olderThan: 10 })).toEqual({ removed: 1 });
      await expect(fila.clean({ state: 'queued' as never, olderThan: '1d' })).rejects.toThrow(
        /completed, failed or cancelled/,
      );
      await expect(fila.clean({ state: 'completed', olderThan: 'last week' })).rejects.toThrow(
        /invalid duration/,
      );
    });
  });
}
