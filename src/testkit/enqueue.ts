/**
 * Conformance: enqueue — fields, typed tasks, bulk atomicity, scheduling, dedup keys and policies,
 * tenants, input errors that change nothing, payload schemas, transactional enqueue.
 */
import { describe, expect } from 'vitest';
import { z } from 'zod';
import {
  DuplicateJobError,
  PayloadTooLargeError,
  PayloadValidationError,
  UnknownTaskError,
  ValidationError,
} from '../core/errors.js';
import { defineTask } from '../core/task.js';
import type { Fila } from '../client/fila.js';
import { sleep } from './harness.js';
import { noop } from './tasks.js';
import type { ConformanceTest } from './conformance.js';

async function countJobs(fila: Fila): Promise<number> {
  return (await fila.listJobs({ limit: 1000 })).jobs.length;
}

export function enqueueTests(test: ConformanceTest): void {
  describe('enqueue', () => {
    test('enqueue stores a queued job with every field', async (s) => {
      const fila = s.client();
      const job = await fila.enqueue(
        'send-email',
        { to: 'ana@example.com' },
        {
          queue: 'mail',
          priority: 'high',
          maxAttempts: 5,
          timeout: '30s',
          tenant: 'acme',
          metadata: { source: 'signup' },
          backoff: { type: 'fixed', delay: '2s' },
        },
      );
      const expected = {
        id: job.id,
        task: 'send-email',
        queue: 'mail',
        state: 'queued',
        priority: 10,
        attempt: 0,
        maxAttempts: 5,
        crashCount: 0,
        timeoutMs: 30_000,
        tenant: 'acme',
        metadata: { source: 'signup' },
        payload: { to: 'ana@example.com' },
        backoff: { type: 'fixed', delayMs: 2000 },
        result: null,
        error: null,
        errors: [],
        startedAt: null,
        finishedAt: null,
      };
      expect(job).toMatchObject(expected);
      const stored = await fila.getJob(job.id);
      expect(stored).toMatchObject(expected);
      expect(stored!.createdAt).toBeInstanceOf(Date);
      expect(stored!.runAt.getTime()).toBe(stored!.createdAt.getTime());
      expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    test('ids are unique and not sequential numbers', async (s) => {
      const fila = s.client();
      const jobs = await fila.enqueueMany(
        Array.from({ length: 200 }, (_, i) => ({ task: 'noop', payload: { i } })),
      );
      expect(new Set(jobs.map((j) => j.id)).size).toBe(200);
      expect(jobs.every((j) => !/^\d+$/.test(j.id))).toBe(true);
    });

    test('a typed task applies its queue and defaults; enqueue by name uses them too', async (s) => {
      const report = defineTask({
        name: 'build-report',
        queue: 'reports',
        maxAttempts: 7,
        priority: 'low',
        timeout: '1m',
        handler: async (p: { week: number }) => p.week,
      });
      const fila = s.client({ tasks: [report] });
      const byTask = await fila.enqueue(report, { week: 12 });
      const byName = await fila.enqueue('build-report', { week: 13 });
      for (const job of [byTask, byName]) {
        expect(job).toMatchObject({ queue: 'reports', maxAttempts: 7, priority: -10, timeoutMs: 60_000 });
      }
      await expect(fila.enqueue('no-such-task', {})).rejects.toBeInstanceOf(UnknownTaskError);
      expect(await countJobs(fila)).toBe(2);
    });

    test('enqueueMany inserts every job, in order', async (s) => {
      const fila = s.client();
      const jobs = await fila.enqueueMany(
        Array.from({ length: 120 }, (_, i) => ({
          task: 'noop',
          payload: { i },
          options: i % 2 ? { queue: 'odd' } : {},
        })),
      );
      expect(jobs.map((j) => (j.payload as { i: number }).i)).toEqual(
        Array.from({ length: 120 }, (_, i) => i),
      );
      const page = await fila.listJobs({ queue: 'odd', limit: 1000 });
      expect(page.jobs).toHaveLength(60);
    });

    test('enqueueMany with one invalid item inserts nothing', async (s) => {
      const fila = s.client();
      await expect(
        fila.enqueueMany([
          { task: 'noop', payload: 1 },
          { task: 'noop', payload: 2, options: { priority: 'urgent' as never } },
        ]),
      ).rejects.toThrow(/enqueueMany\[1\]: priority/);
      expect(await countJobs(fila)).toBe(0);
    });

    test('delay and runAt schedule a job; runAt in the past is ready now', async (s) => {
      const fila = s.client();
      const delayed = await fila.enqueue('noop', {}, { delay: '1h' });
      expect(delayed.state).toBe('scheduled');
      expect(delayed.runAt.getTime() - delayed.createdAt.getTime()).toBe(3_600_000);
      const future = new Date(Date.now() + 86_400_000);
      const later = await fila.enqueue('noop', {}, { runAt: future });
      expect(later.state).toBe('scheduled');
      expect(later.runAt.getTime()).toBe(future.getTime());
      const past = await fila.enqueue('noop', {}, { runAt: new Date(Date.now() - 60_000) });
      expect(past.state).toBe('queued');
      await expect(fila.enqueue('noop', {}, { delay: '1h', runAt: future })).rejects.toBeInstanceOf(
        ValidationError,
      );
    });

    test('dedup ignore (default) returns the existing unfinished job', async (s) => {
      const fila = s.client();
      const first = await fila.enqueue('noop', { v: 1 }, { key: 'import:42' });
      const second = await fila.enqueue('noop', { v: 2 }, { key: 'import:42' });
      expect(second.id).toBe(first.id);
      expect(second.payload).toEqual({ v: 1 });
      expect(await countJobs(fila)).toBe(1);
    });

    test('dedup replace overwrites a job that has not started', async (s) => {
      const fila = s.client();
      const first = await fila.enqueue('noop', { v: 1 }, { key: 'k', delay: '1h' });
      const replaced = await fila.enqueue(
        'noop',
        { v: 2 },
        { key: 'k', dedup: 'replace', priority: 'critical' },
      );
      expect(replaced.id).toBe(first.id);
      expect(replaced).toMatchObject({ payload: { v: 2 }, priority: 20, state: 'queued' });
      expect(await fila.getJob(first.id)).toMatchObject({ payload: { v: 2 }, priority: 20, state: 'queued' });
      expect(await countJobs(fila)).toBe(1);
    });

    test('dedup replace leaves a running job alone', async (s) => {
      const fila = s.client();
      const first = await fila.enqueue('noop', { v: 1 }, { key: 'k' });
      const store = await fila.store();
      const claim = await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 30_000, workerId: 't' });
      expect(claim.jobs.map((j) => j.id)).toEqual([first.id]);
      const again = await fila.enqueue('noop', { v: 2 }, { key: 'k', dedup: 'replace' });
      expect(again.id).toBe(first.id);
      expect(again).toMatchObject({ state: 'active', payload: { v: 1 } });
    });

    test('dedup replace leaves a job that has already run alone, even once it is queued again', async (s) => {
      const fila = s.client();
      const first = await fila.enqueue('noop', { v: 1 }, { key: 'k', maxAttempts: 3 });
      const store = await fila.store();
      const claim = await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 30_000, workerId: 't' });
      const [job] = claim.jobs;
      await store.jobFailMany({
        jobs: [
          { id: job!.id, token: job!.token, error: { name: 'Error', message: 'boom' }, retryDelayMs: 0 },
        ],
      });
      // Its retry is due: a claim or a sweep makes it queued, waiting like a fresh job.
      await store.jobPromoteDue({ exceptQueues: [], limit: 100 });
      const again = await fila.enqueue('noop', { v: 2 }, { key: 'k', dedup: 'replace' });
      expect(again.id).toBe(first.id);
      // Replaced, it would keep the spent attempt and the old error under a new payload.
      expect(await fila.getJob(first.id)).toMatchObject({ payload: { v: 1 }, attempt: 1 });
      // A job claimed and handed back unstarted (a worker's buffer at shutdown) spent nothing: replaceable.
      const second = await fila.enqueue('noop', { v: 1 }, { key: 'k2', queue: 'other' });
      const held = await store.jobClaim({ queues: ['other'], limit: 1, leaseMs: 30_000, workerId: 't' });
      expect(held.jobs.map((j) => j.id)).toEqual([second.id]);
      await store.jobReleaseMany({ jobs: [{ id: second.id, token: held.jobs[0]!.token, delayMs: 0 }] });
      const replaced = await fila.enqueue('noop', { v: 2 }, { key: 'k2', queue: 'other', dedup: 'replace' });
      expect(replaced).toMatchObject({ id: second.id, payload: { v: 2 }, attempt: 0 });
    });

    test('dedup reject throws DuplicateJobError and a batch with a duplicate inserts nothing', async (s) => {
      const fila = s.client();
      const first = await fila.enqueue('noop', {}, { key: 'once' });
      const error = await fila.enqueue('noop', {}, { key: 'once', dedup: 'reject' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateJobError);
      expect((error as DuplicateJobError).existingId).toBe(first.id);
      await expect(
        fila.enqueueMany([
          { task: 'noop', payload: { fresh: true } },
          { task: 'noop', payload: {}, options: { key: 'once', dedup: 'reject' } },
        ]),
      ).rejects.toBeInstanceOf(DuplicateJobError);
      expect(await countJobs(fila)).toBe(1);
    });

    test('dedup keys are scoped per tenant', async (s) => {
      const fila = s.client();
      const a = await fila.enqueue('noop', {}, { key: 'report', tenant: 'acme' });
      const b = await fila.enqueue('noop', {}, { key: 'report', tenant: 'globex' });
      const none = await fila.enqueue('noop', {}, { key: 'report' });
      expect(new Set([a.id, b.id, none.id]).size).toBe(3);
      expect((await fila.listJobs({ tenant: 'acme' })).jobs.map((j) => j.id)).toEqual([a.id]);
    });

    test('a key is free again once its job has finished', async (s) => {
      const fila = s.client();
      const first = await fila.enqueue(noop, undefined, { key: 'nightly' });
      const store = await fila.store();
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 1,
        leaseMs: 30_000,
        workerId: 't',
      });
      await store.jobCompleteMany({ jobs: [{ id: jobs[0]!.id, token: jobs[0]!.token, result: null }] });
      const second = await fila.enqueue(noop, undefined, { key: 'nightly' });
      expect(second.id).not.toBe(first.id);
      expect(second.state).toBe('queued');
    });

    test('invalid input is refused with a clear error and changes nothing', async (s) => {
      const fila = s.client({ maxPayloadBytes: 1024 });
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => fila.enqueue('noop', {}, { queu: 'x' } as never), /unknown option "queu"/],
        [() => fila.enqueue('noop', {}, { priority: 'urgent' as never }), /priority/],
        [() => fila.enqueue('noop', {}, { priority: 5000 }), /priority/],
        [() => fila.enqueue('noop', {}, { delay: 'soon' }), /delay: invalid duration/],
        [() => fila.enqueue('noop', {}, { delay: -5 }), /delay/],
        [() => fila.enqueue('noop', {}, { queue: '../etc' }), /queue: invalid name/],
        [() => fila.enqueue('bad name', {}), /task: invalid name/],
        [() => fila.enqueue('noop', {}, { maxAttempts: 0 }), /maxAttempts/],
        [() => fila.enqueue('noop', {}, { key: '' }), /key/],
        [() => fila.enqueue('noop', {}, { metadata: [] as never }), /metadata/],
        [() => fila.enqueue('noop', {}, { runAt: 'yesterday' }), /runAt/],
        [() => fila.enqueue('noop', { big: 'x'.repeat(2000) }), /bytes, more than the limit/],
        [() => fila.enqueue('noop', { n: 10n }), /not JSON-serializable/],
        [() => fila.enqueue('noop', {}, { backoff: { type: 'linear' } as never }), /backoff.type/],
        [() => fila.enqueue('noop', {}, { timeout: '30d' }), /timeout: at most 24 days/],
        [
          () => fila.enqueue('noop', {}, { runAt: new Date('+020000-01-01') }),
          /runAt: must be between 1970 and 9999/,
        ],
        [() => fila.retryMany({ state: 'failed', limit: 10 } as never), /unknown field "limit"/],
        [
          () => fila.retryMany({ state: 'queued' }),
          /retryMany changes failed or cancelled jobs.*not "queued"/,
        ],
        [
          () => fila.cancelMany({ state: ['queued', 'completed'] }),
          /cancelMany changes unfinished.*"completed"/,
        ],
      ];
      for (const [call, message] of cases) {
        const error = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, String(message)).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(message);
        expect((error as { code?: string }).code).toMatch(/^(invalid_argument|payload_too_large)$/);
      }
      expect(await fila.enqueue('noop', { big: 'x'.repeat(2000) }).catch((e: unknown) => e)).toBeInstanceOf(
        PayloadTooLargeError,
      );
      expect(await countJobs(fila)).toBe(0);
    });

    test('asynchronous schemas: a bad batch rejects cleanly; they cannot join a synchronous transaction', async (s) => {
      const slowCheck = defineTask({
        name: 'slow-check',
        schema: z.object({ n: z.number() }).refine(async (v) => v.n > 0, 'n must be positive'),
        handler: (p) => p.n,
      });
      const fila = s.client({ tasks: [slowCheck] });
      // Item 0 validates asynchronously (and would fail); item 1 fails at once. No unhandled rejection.
      await expect(
        fila.enqueueMany([
          { task: slowCheck, payload: { n: -1 } },
          { task: slowCheck, payload: 'not an object' },
        ]),
      ).rejects.toThrow(/enqueueMany\[1\]: payload for task "slow-check" is invalid/);
      await expect(fila.enqueueMany([{ task: slowCheck, payload: { n: -1 } }])).rejects.toThrow(
        /enqueueMany\[0\]: .*n must be positive/,
      );
      expect(() => fila.enqueue(slowCheck, { n: -1 }, { tx: {} })).toThrow(/asynchronously/);
      await sleep(20);
      expect(await countJobs(fila)).toBe(0);
      expect((await fila.enqueue(slowCheck, { n: 2 })).state).toBe('queued');
    });

    test('a payload schema is checked at enqueue', async (s) => {
      const signup = defineTask({
        name: 'welcome',
        schema: z.object({ email: z.string().email(), name: z.string().min(1) }),
        handler: async (p) => p.email,
      });
      const fila = s.client({ tasks: [signup] });
      const error = await fila.enqueue(signup, { email: 'nope', name: '' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadValidationError);
      expect((error as PayloadValidationError).issues.map((i) => i.path).sort()).toEqual(['email', 'name']);
      await expect(fila.enqueue('welcome', { email: 'ana@example.com' })).rejects.toBeInstanceOf(
        PayloadValidationError,
      );
      expect(await countJobs(fila)).toBe(0);
      const ok = await fila.enqueue(signup, { email: 'ana@example.com', name: 'Ana' });
      expect(ok.state).toBe('queued');
    });

    test('transactional enqueue: the job exists iff the transaction commits', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      if (!store.capabilities.transactions || !s.fixture.openTransaction) {
        expect(store.capabilities.transactions).toBe(false);
        await expect(fila.enqueue('noop', {}, { tx: {} })).rejects.toThrow(
          /cannot join an application transaction/,
        );
        return;
      }
      const rolledBack = await s.fixture.openTransaction();
      await rolledBack.exec('CREATE TABLE IF NOT EXISTS app_orders (id INTEGER PRIMARY KEY)');
      const lost = await fila.enqueue('noop', { order: 1 }, { tx: rolledBack.tx });
      // Not visible to anyone else before the commit.
      expect(await fila.getJob(lost.id)).toBeNull();
      await rolledBack.rollback();
      await rolledBack.close();
      expect(await fila.getJob(lost.id)).toBeNull();

      const committed = await s.fixture.openTransaction();
      const kept = await fila.enqueue('noop', { order: 2 }, { tx: committed.tx });
      const batch = await fila.enqueueMany([{ task: 'noop', payload: { order: 3 } }], { tx: committed.tx });
      await committed.commit();
      await committed.close();
      expect(await fila.getJob(kept.id)).toMatchObject({ state: 'queued', payload: { order: 2 } });
      expect(await fila.getJob(batch[0]!.id)).toMatchObject({ state: 'queued' });
      expect(await countJobs(fila)).toBe(2);
    });
  });
}
