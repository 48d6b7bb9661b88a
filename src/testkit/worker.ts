/**
 * Conformance: the worker runtime on this store — results, ordering, concurrency, several queues,
 * retries and backoff, permanent errors, timeouts, snooze, progress and logs, schema checks before the
 * handler, unknown tasks, cancel of a running job, graceful shutdown, events, wake-ups, retention.
 */
import { describe, expect } from 'vitest';
import { z } from 'zod';
import { PermanentError, RetryAfterError } from '../core/errors.js';
import type { FilaEvents } from '../core/event-map.js';
import type { Job } from '../core/job.js';
import { defineTask } from '../core/task.js';
import type { ConformanceTest } from './conformance.js';
import { sleep, waitFor, waitForState } from './harness.js';
import { hang, nap, noop } from './tasks.js';

export function workerTests(test: ConformanceTest): void {
  describe('worker runtime', () => {
    test('runs a job and stores its result', async (s) => {
      const fila = s.client();
      const add = defineTask({ name: 'add', handler: (p: { a: number; b: number }) => ({ sum: p.a + p.b }) });
      const worker = fila.worker({ tasks: [add], handleSignals: false });
      await worker.start();
      const job = await fila.enqueue(add, { a: 2, b: 3 });
      const done = await waitForState(fila, job.id, 'completed');
      expect(done).toMatchObject({ result: { sum: 5 }, attempt: 1, error: null, workerId: worker.id });
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(done.createdAt.getTime());
      expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    });

    test('runs jobs by priority, then run-at, then insertion order', async (s) => {
      const fila = s.client();
      const order: string[] = [];
      const record = defineTask({
        name: 'record',
        handler: (p: { name: string }) => void order.push(p.name),
      });
      await fila.enqueue(record, { name: 'low' }, { priority: 'low' });
      await fila.enqueue(record, { name: 'normal-1' });
      await fila.enqueue(record, { name: 'normal-2' });
      await fila.enqueue(record, { name: 'normal-earlier-run-at' }, { runAt: new Date(Date.now() - 60_000) });
      await fila.enqueue(record, { name: 'critical' }, { priority: 'critical' });
      await fila.enqueue(record, { name: 'high' }, { priority: 'high' });
      await fila.enqueue(record, { name: 'p15' }, { priority: 15 });
      const worker = fila.worker({ tasks: [record], concurrency: 1, handleSignals: false });
      await worker.start();
      await waitFor(() => order.length === 7, 'all jobs');
      expect(order).toEqual([
        'critical',
        'p15',
        'high',
        'normal-earlier-run-at',
        'normal-1',
        'normal-2',
        'low',
      ]);
    });

    test('never runs more than `concurrency` jobs at once, across several queues', async (s) => {
      const fila = s.client();
      let running = 0;
      let peak = 0;
      const busy = defineTask({
        name: 'busy',
        handler: async () => {
          peak = Math.max(peak, ++running);
          await sleep(20);
          running--;
        },
      });
      await fila.enqueueMany(
        Array.from({ length: 40 }, (_, i) => ({ task: busy, options: { queue: i % 2 ? 'a' : 'b' } })),
      );
      const worker = fila.worker({ tasks: [busy], queues: ['a', 'b'], concurrency: 4, handleSignals: false });
      await worker.start();
      await waitFor(
        async () => (await fila.listJobs({ state: 'completed', limit: 100 })).jobs.length === 40,
        '40 completions',
      );
      expect(peak).toBe(4);
    });

    test('retries with fixed backoff, then fails for good with the history of every attempt', async (s) => {
      const fila = s.client();
      const flaky = defineTask({
        name: 'flaky',
        maxAttempts: 3,
        backoff: { type: 'fixed', delay: 150 },
        handler: (_p, ctx) => {
          throw new Error(`attempt ${ctx.job.attempt} failed`);
        },
      });
      const retries: FilaEvents['job:retry'][] = [];
      const worker = fila.worker({ tasks: [flaky], handleSignals: false });
      worker.on('job:retry', (e) => void retries.push(e));
      await worker.start();
      const job = await fila.enqueue(flaky, null);
      const failed = await waitForState(fila, job.id, 'failed');
      expect(failed.attempt).toBe(3);
      expect(failed.errors.map((e) => [e.attempt, e.message])).toEqual([
        [1, 'attempt 1 failed'],
        [2, 'attempt 2 failed'],
        [3, 'attempt 3 failed'],
      ]);
      expect(failed.errors.every((e) => typeof e.stack === 'string' && e.stack.includes('attempt'))).toBe(
        true,
      );
      expect(failed.error).toMatchObject({ attempt: 3, message: 'attempt 3 failed', name: 'Error' });
      // Each retry waited for its backoff (store clock on both sides).
      for (let i = 1; i < failed.errors.length; i++) {
        expect(failed.errors[i]!.at.getTime() - failed.errors[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(
          150,
        );
      }
      expect(retries.map((r) => r.delayMs)).toEqual([150, 150]);
    });

    test('exponential and custom backoff set the retry time; RetryAfterError overrides it', async (s) => {
      const fila = s.client();
      const seen: [number, string][] = [];
      const exp = defineTask({
        name: 'exp',
        maxAttempts: 2,
        backoff: { type: 'exponential', delay: '1h', factor: 3, maxDelay: '2h' },
        handler: () => {
          throw new Error('x');
        },
      });
      const custom = defineTask({
        name: 'custom',
        maxAttempts: 2,
        backoff: (attempt, error) => {
          seen.push([attempt, (error as Error).message]);
          return 7_200_000;
        },
        handler: () => {
          throw new Error('custom failure');
        },
      });
      const after = defineTask({
        name: 'after',
        maxAttempts: 2,
        handler: () => {
          throw new RetryAfterError('rate limited', 5_400_000);
        },
      });
      // A retry-after that is not a number (a date in the header…) falls back to the backoff: still a retry.
      const garbled = defineTask({
        name: 'garbled-retry-after',
        maxAttempts: 2,
        backoff: { type: 'fixed', delay: '1h' },
        handler: () => {
          throw new RetryAfterError('rate limited', Number('Wed, 21 Oct 2026 07:28:00 GMT'));
        },
      });
      const worker = fila.worker({ tasks: [exp, custom, after, garbled], handleSignals: false });
      await worker.start();
      const ids = await Promise.all([
        fila.enqueue(exp, null),
        fila.enqueue(custom, null),
        fila.enqueue(after, null),
        fila.enqueue(garbled, null),
      ]);
      const [e, c, a, g] = await Promise.all(ids.map((j) => waitForState(fila, j.id, 'retrying')));
      const wait = (job: Job) => job.runAt.getTime() - job.errors[0]!.at.getTime();
      expect(wait(e!)).toBe(3_600_000);
      expect(wait(c!)).toBe(7_200_000);
      expect(wait(a!)).toBe(5_400_000);
      expect(wait(g!)).toBe(3_600_000);
      expect(seen).toEqual([[1, 'custom failure']]);
    });

    test('a permanent error and ctx.fail skip retries', async (s) => {
      const fila = s.client();
      const bad = defineTask({
        name: 'bad-input',
        maxAttempts: 5,
        handler: () => {
          throw new PermanentError('row 7 has no address');
        },
      });
      const refuse = defineTask({
        name: 'refuse',
        maxAttempts: 5,
        handler: (_p, ctx) => ctx.fail('not allowed'),
      });
      const worker = fila.worker({ tasks: [bad, refuse], handleSignals: false });
      await worker.start();
      const a = await fila.enqueue(bad, null);
      const b = await fila.enqueue(refuse, null);
      expect(await waitForState(fila, a.id, 'failed')).toMatchObject({
        attempt: 1,
        error: { message: 'row 7 has no address', code: 'permanent' },
      });
      expect(await waitForState(fila, b.id, 'failed')).toMatchObject({
        attempt: 1,
        error: { message: 'not allowed' },
      });
    });

    test('a timeout aborts the handler signal and fails the attempt with a timeout error', async (s) => {
      const fila = s.client();
      let aborted: unknown;
      const slow = defineTask({
        name: 'slow',
        timeout: 200,
        maxAttempts: 1,
        handler: (_p, ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              reject(new Error('stopped'));
            });
          }),
      });
      const worker = fila.worker({ tasks: [slow], handleSignals: false });
      await worker.start();
      const job = await fila.enqueue(slow, null);
      const failed = await waitForState(fila, job.id, 'failed');
      expect(failed.error).toMatchObject({ name: 'JobTimeoutError', code: 'job_timeout' });
      expect((aborted as { code?: string }).code).toBe('job_timeout');
      expect(failed.finishedAt!.getTime() - failed.startedAt!.getTime()).toBeGreaterThanOrEqual(190);
    });

    test('snooze runs the job again later without spending an attempt', async (s) => {
      const fila = s.client();
      let runs = 0;
      const poll = defineTask({
        name: 'poll-export',
        maxAttempts: 1,
        handler: (_p, ctx) => {
          if (++runs < 3) return ctx.snooze(100);
          return { runs, attempt: ctx.job.attempt };
        },
      });
      const worker = fila.worker({ tasks: [poll], handleSignals: false });
      await worker.start();
      const job = await fila.enqueue(poll, null);
      const done = await waitForState(fila, job.id, 'completed');
      expect(done.result).toEqual({ runs: 3, attempt: 1 });
    });

    test('progress and logs are stored and readable while the job runs', async (s) => {
      const fila = s.client();
      const reader = s.client();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const steps = defineTask({
        name: 'steps',
        handler: async (_p, ctx) => {
          await ctx.log('starting');
          await ctx.progress(40, 'chunk 2 of 5');
          await gate;
          await ctx.progress(100);
          return 'done';
        },
      });
      const progress: number[] = [];
      const worker = fila.worker({ tasks: [steps], handleSignals: false });
      worker.on('job:progress', (e) => void progress.push(e.percent));
      await worker.start();
      const job = await fila.enqueue(steps, null);
      const midway = await waitFor(async () => {
        const j = await reader.getJob(job.id);
        return j?.progress?.percent === 40 ? j : null;
      }, 'progress 40');
      expect(midway).toMatchObject({ state: 'active', progress: { percent: 40, message: 'chunk 2 of 5' } });
      expect((await reader.getLogs(job.id)).map((l) => [l.attempt, l.message])).toEqual([[1, 'starting']]);
      release();
      expect(await waitForState(fila, job.id, 'completed')).toMatchObject({
        result: 'done',
        progress: { percent: 100 },
      });
      expect(progress).toEqual([40, 100]);
    });

    test('a NUL character in an error, a log line or a progress message is stored as U+FFFD', async (s) => {
      // PostgreSQL's text cannot hold NUL (JSON.parse of binary input puts one in its message); before
      // this, such a failure could not be written at all there.
      const fila = s.client();
      const binary = defineTask({
        name: 'parse-binary',
        maxAttempts: 1,
        handler: async (_p, ctx) => {
          await ctx.log('read \u0000 byte');
          await ctx.progress(50, 'half \u0000 way');
          JSON.parse('\u0000{}');
        },
      });
      const worker = fila.worker({ tasks: [binary], handleSignals: false });
      await worker.start();
      const job = await fila.enqueue(binary, null);
      const failed = await waitForState(fila, job.id, 'failed');
      expect(failed.error!.message).toContain('\uFFFD');
      expect(failed.error!.message).not.toContain('\u0000');
      expect(failed.progress).toMatchObject({ percent: 50, message: 'half \uFFFD way' });
      expect((await fila.getLogs(job.id)).map((l) => l.message)).toEqual(['read \uFFFD byte']);
    });

    test('results are capped; an oversized result fails the job', async (s) => {
      const fila = s.client();
      const huge = defineTask({ name: 'huge', handler: () => 'x'.repeat(5000) });
      const worker = fila.worker({ tasks: [huge], maxResultBytes: 1000, handleSignals: false });
      await worker.start();
      const job = await fila.enqueue(huge, null);
      expect(await waitForState(fila, job.id, 'failed')).toMatchObject({
        error: { code: 'payload_too_large' },
      });
    });

    test('the schema is checked again before the handler runs', async (s) => {
      const fila = s.client();
      const handled: unknown[] = [];
      const typed = defineTask({
        name: 'typed',
        maxAttempts: 3,
        schema: z.object({ n: z.number() }),
        handler: (p) => void handled.push(p),
      });
      const worker = fila.worker({ tasks: [typed], handleSignals: false });
      await worker.start();
      // A producer that does not know the task's schema enqueues by name.
      const job = await fila.enqueue('typed', { n: 'seven' });
      expect(await waitForState(fila, job.id, 'failed')).toMatchObject({
        attempt: 1,
        error: { code: 'invalid_payload' },
      });
      expect(handled).toEqual([]);
    });

    test('a job of a task the worker does not know fails with a clear error after its attempts', async (s) => {
      const fila = s.client();
      const worker = fila.worker({
        tasks: [noop],
        backoff: { type: 'fixed', delay: 10 },
        handleSignals: false,
      });
      await worker.start();
      const job = await fila.enqueue('mystery', {}, { maxAttempts: 2 });
      expect(await waitForState(fila, job.id, 'failed')).toMatchObject({
        attempt: 2,
        error: { code: 'unknown_task' },
      });
    });

    test('cancel of a running job aborts its signal within about a second and ends it cancelled', async (s) => {
      const fila = s.client();
      let reason: unknown;
      const watched = defineTask({
        name: 'watched',
        handler: (_p, ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason as Error);
            }),
          ),
      });
      const worker = fila.worker({ tasks: [watched], handleSignals: false });
      await worker.start();
      const job = await fila.enqueue(watched, null);
      await waitForState(fila, job.id, 'active');
      const requested = await fila.cancel(job.id);
      expect(requested).toMatchObject({ state: 'active', cancelRequested: true });
      const started = Date.now();
      const cancelled = await waitForState(fila, job.id, 'cancelled', 5000);
      expect(Date.now() - started).toBeLessThan(3000);
      expect((reason as { code?: string }).code).toBe('job_cancelled');
      expect(cancelled.finishedAt).toBeInstanceOf(Date);
      await sleep(100);
      expect(worker.activeCount).toBe(0);
    });

    test('stop() waits for running jobs, then releases the rest without spending an attempt', async (s) => {
      const fila = s.client();
      const quick = await fila.enqueue(nap, { ms: 150 });
      const stuck = await fila.enqueue(hang, null);
      const worker = fila.worker({ tasks: [nap, hang], handleSignals: false, shutdownGrace: 600 });
      // Its start event, not its stored state: a claim is stored before the worker has its reply, and a
      // stop() in between would hand the claimed jobs straight back (nothing running to wait for).
      const running = new Promise<void>((resolve) =>
        worker.on('job:start', (e) => {
          if (e.job.id === stuck.id) resolve();
        }),
      );
      await worker.start();
      await running;
      const stopping = Date.now();
      await worker.stop();
      expect(Date.now() - stopping).toBeGreaterThanOrEqual(550);
      expect(await fila.getJob(quick.id)).toMatchObject({ state: 'completed', result: { slept: 150 } });
      expect(await fila.getJob(stuck.id)).toMatchObject({ state: 'queued', attempt: 0, errors: [] });
      // Another worker picks it up as a first attempt.
      // (Waiting for its start event, not for the stored state: the claim is stored before the event.)
      const next = fila.worker({ tasks: [nap, hang], handleSignals: false });
      const attempt = new Promise<number>((resolve) =>
        next.on('job:start', (e) => {
          if (e.job.id === stuck.id) resolve(e.job.attempt);
        }),
      );
      await next.start();
      expect(await attempt).toBe(1);
    });

    test('jobs claimed ahead (prefetch) are leased, cancellable, and given back at shutdown unspent', async (s) => {
      const fila = s.client();
      const ran: string[] = [];
      const quick = defineTask({ name: 'quick', handler: (_p, ctx) => void ran.push(ctx.job.id) });
      const gate = await fila.enqueue(hang, null, { priority: 'critical' });
      const buffered = await fila.enqueueMany(Array.from({ length: 5 }, () => ({ task: quick })));
      const worker = fila.worker({
        tasks: [hang, quick],
        concurrency: 1,
        prefetch: 5,
        shutdownGrace: 100,
        handleSignals: false,
      });
      await worker.start();
      await waitForState(fila, gate.id, 'active');
      // One slot, busy with the gate; the five quick jobs wait in the worker's buffer, leased to it.
      await waitFor(
        async () => (await fila.listJobs({ state: 'active' })).jobs.length === 6,
        'six active jobs',
      );
      expect(ran).toEqual([]);
      await fila.cancel(buffered[0]!.id);
      await waitForState(fila, buffered[0]!.id, 'cancelled', 5000);
      await worker.stop();
      expect(ran).toEqual([]);
      expect(await fila.getJob(gate.id)).toMatchObject({ state: 'queued', attempt: 0 });
      for (const job of buffered.slice(1)) {
        expect(await fila.getJob(job.id)).toMatchObject({ state: 'queued', attempt: 0, crashCount: 0 });
      }
    });

    test('events describe the lifecycle, and a throwing listener breaks nothing', async (s) => {
      const fila = s.client();
      const flaky = defineTask({
        name: 'flaky-once',
        maxAttempts: 2,
        backoff: { type: 'fixed', delay: 10 },
        handler: async (_p, ctx) => {
          await ctx.progress(50);
          if (ctx.job.attempt === 1) throw new Error('first try fails');
          return 'ok';
        },
      });
      const seen: string[] = [];
      const worker = fila.worker({ tasks: [flaky], handleSignals: false });
      for (const name of [
        'job:start',
        'job:progress',
        'job:retry',
        'job:complete',
        'queue:pause',
        'queue:resume',
        'job:enqueue',
      ] as const) {
        fila.on(name, () => {
          seen.push(name);
          throw new Error('listener bug');
        });
      }
      const errors: string[] = [];
      fila.on('worker:error', (e) => void errors.push(e.during));
      await worker.start();
      const job = await fila.enqueue(flaky, null);
      await waitForState(fila, job.id, 'completed');
      await fila.pauseQueue('default');
      await fila.resumeQueue('default');
      expect(seen).toEqual([
        'job:enqueue',
        'job:start',
        'job:progress',
        'job:retry',
        'job:start',
        'job:progress',
        'job:complete',
        'queue:pause',
        'queue:resume',
      ]);
      expect(errors.length).toBeGreaterThanOrEqual(seen.length);
    });

    test('a job enqueued in the same process starts at once, without waiting for a poll', async (s) => {
      const fila = s.client();
      const worker = fila.worker({ tasks: [noop], pollInterval: '60s', handleSignals: false });
      await worker.start();
      await sleep(100);
      for (let i = 0; i < 3; i++) {
        const job = await fila.enqueue(noop, undefined);
        await waitForState(fila, job.id, 'completed', 2000);
      }
    });

    test('a scheduled job runs at its run-at, not before, without waiting for a poll', async (s) => {
      const fila = s.client();
      const worker = fila.worker({ tasks: [noop], pollInterval: '60s', handleSignals: false });
      await worker.start();
      await sleep(100);
      const job = await fila.enqueue(noop, undefined, { delay: 400 });
      await sleep(200);
      expect((await fila.getJob(job.id))!.state).toBe('scheduled');
      const done = await waitForState(fila, job.id, 'completed', 3000);
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(done.runAt.getTime());
    });

    test('a worker marks overdue jobs of queues nobody serves as queued at its rescue sweeps', async (s) => {
      const fila = s.client();
      // No polls: on SQLite any claim would promote it too.
      const worker = fila.worker({
        tasks: [noop],
        rescueInterval: 200,
        pollInterval: '60s',
        handleSignals: false,
      });
      await worker.start();
      const job = await fila.enqueue(noop, undefined, { queue: 'nobody-serves-this', delay: 300 });
      expect((await fila.getJob(job.id))!.state).toBe('scheduled');
      await waitForState(fila, job.id, 'queued', 3000);
      await worker.stop();
    });

    test('finished jobs are pruned after their retention', async (s) => {
      const fila = s.client();
      const worker = fila.worker({
        tasks: [noop],
        retention: { completed: 100, failed: false },
        pruneInterval: 150,
        handleSignals: false,
      });
      await worker.start();
      const job = await fila.enqueue(noop, undefined);
      await waitForState(fila, job.id, 'completed');
      await waitFor(async () => (await fila.getJob(job.id)) === null, 'the job to be pruned', 5000);
    });
  });
}
