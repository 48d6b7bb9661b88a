/**
 * What each route does, beyond auth: the job object, dedup, pagination, logs, the state rules of cancel,
 * retry and delete (409), queue operations and recent rates, the worker registry, health with its
 * thresholds, Prometheus metrics, and the OpenAPI document built from the validating schemas.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTask, type Job } from '../../src/index.js';
import { jobToJSON } from '../../src/core/job.js';
import { createServer, ROUTES } from '../../src/server/index.js';
import { startServer, type ServerFixture, serverStores } from './helpers.js';

describe.each(await serverStores())('%s store', (kind) => {
  let s: ServerFixture;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  const body = async <T = Record<string, unknown>>(r: Response | Promise<Response>) =>
    (await (await r).json()) as T;

  /** Claims one job of `queue` and fails it for good (no retry). */
  async function failOne(queue: string, message = 'boom'): Promise<void> {
    const store = await s.fila.store();
    const { jobs } = await store.jobClaim({ queues: [queue], limit: 1, leaseMs: 60_000, workerId: 'test' });
    await store.jobFailMany({
      jobs: [
        { id: jobs[0]!.id, token: jobs[0]!.token, error: { name: 'Error', message }, retryDelayMs: null },
      ],
    });
  }

  describe('jobs', () => {
    it('enqueue answers 201 with the job object of the CLI and library, options applied', async () => {
      const r = await s.call('POST', '/api/v1/jobs', {
        body: {
          task: 'send-receipt',
          payload: { orderId: 42 },
          queue: 'email',
          priority: 'high',
          delay: '10m',
          key: 'receipt:42',
          maxAttempts: 7,
          timeout: '30s',
          metadata: { source: 'api' },
        },
      });
      expect(r.status).toBe(201);
      const job = await body<Record<string, unknown>>(r);
      const stored = await s.fila.getJob(job.id as string);
      expect(job).toEqual(JSON.parse(JSON.stringify(jobToJSON(stored!))));
      expect(job).toMatchObject({
        task: 'send-receipt',
        queue: 'email',
        state: 'scheduled',
        maxAttempts: 7,
        timeoutMs: 30_000,
        key: 'receipt:42',
        metadata: { source: 'api' },
        payload: { orderId: 42 },
      });
      expect(Date.parse(job.runAt as string) - Date.parse(job.createdAt as string)).toBeGreaterThan(
        9 * 60_000,
      );
      // The same key again: the existing job (policy ignore), or 409 with policy reject.
      const again = await body(
        s.call('POST', '/api/v1/jobs', { body: { task: 'send-receipt', key: 'receipt:42' } }),
      );
      expect(again.id).toBe(job.id);
      const rejected = await s.call('POST', '/api/v1/jobs', {
        body: { task: 'send-receipt', key: 'receipt:42', dedup: 'reject' },
      });
      expect(rejected.status).toBe(409);
      expect(await rejected.json()).toMatchObject({ error: { code: 'duplicate_job' } });
    });

    it('batch enqueue answers the jobs in request order', async () => {
      const r = await s.call('POST', '/api/v1/jobs/batch', {
        body: {
          jobs: [
            { task: 'a', queue: 'batch' },
            { task: 'b', queue: 'batch' },
            { task: 'c', queue: 'batch' },
          ],
        },
      });
      expect(r.status).toBe(201);
      expect((await body<{ jobs: Job[] }>(r)).jobs.map((j) => j.task)).toEqual(['a', 'b', 'c']);
    });

    it('lists filter and page with a cursor, without gaps or repeats', async () => {
      await s.fila.enqueueMany(
        Array.from({ length: 7 }, (_, i) => ({ task: 'paged', payload: { i }, options: { queue: 'pages' } })),
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/api/v1/jobs?queue=pages&task=paged&state=queued,scheduled&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page: { jobs: Job[]; cursor: string | null } = await body(s.call('GET', q));
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      expect(pages).toBe(3);
      const oldest = await body<{ jobs: Job[] }>(s.call('GET', '/api/v1/jobs?queue=pages&order=asc&limit=1'));
      expect(oldest.jobs[0]!.id).toBe([...seen].sort()[0]);
      expect((await s.call('GET', '/api/v1/jobs?cursor=not-a-cursor')).status).toBe(400);
    });

    it('a failed job shows its attempts with their errors; logs read in order, after a seq', async () => {
      const job = await s.fila.enqueue('flaky', {}, { queue: 'attempts', maxAttempts: 1 });
      const store = await s.fila.store();
      const { jobs } = await store.jobClaim({
        queues: ['attempts'],
        limit: 1,
        leaseMs: 60_000,
        workerId: 'w',
      });
      await store.jobLogAppend({
        entries: ['one', 'two', 'three'].map((message) => ({ id: job.id, attempt: 1, message })),
      });
      await store.jobFailMany({
        jobs: [
          {
            id: job.id,
            token: jobs[0]!.token,
            error: { name: 'TypeError', message: 'bad row 7' },
            retryDelayMs: null,
          },
        ],
      });
      const got = await body(s.call('GET', `/api/v1/jobs/${job.id}`));
      expect(got).toMatchObject({
        state: 'failed',
        attempt: 1,
        error: { attempt: 1, name: 'TypeError', message: 'bad row 7' },
        errors: [{ attempt: 1, name: 'TypeError', message: 'bad row 7' }],
      });
      expect(got.startedAt).not.toBeNull();
      expect(got.finishedAt).not.toBeNull();
      const logs = await body<{ logs: { seq: number; message: string }[] }>(
        s.call('GET', `/api/v1/jobs/${job.id}/logs`),
      );
      expect(logs.logs.map((l) => l.message)).toEqual(['one', 'two', 'three']);
      const after = await body<{ logs: { message: string }[] }>(
        s.call('GET', `/api/v1/jobs/${job.id}/logs?after=${logs.logs[0]!.seq}`),
      );
      expect(after.logs.map((l) => l.message)).toEqual(['two', 'three']);
    });

    it('cancel, retry and delete follow the state machine: 409 where a state does not allow it', async () => {
      const job = await s.fila.enqueue('x', {}, { queue: 'rules', delay: '1h' });
      expect((await s.call('POST', `/api/v1/jobs/${job.id}/retry`)).status).toBe(409);
      const cancelled = await s.call('POST', `/api/v1/jobs/${job.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ state: 'cancelled' });
      const second = await s.call('POST', `/api/v1/jobs/${job.id}/cancel`);
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ error: { code: 'invalid_state' } });
      expect(await body(s.call('POST', `/api/v1/jobs/${job.id}/retry`))).toMatchObject({ state: 'queued' });
      // A running job cannot be deleted; a queued one can, and is gone after.
      const store = await s.fila.store();
      await store.jobClaim({ queues: ['rules'], limit: 1, leaseMs: 60_000, workerId: 'w' });
      expect((await s.call('DELETE', `/api/v1/jobs/${job.id}`)).status).toBe(409);
      const other = await s.fila.enqueue('x', {}, { queue: 'rules', delay: '1h' });
      expect((await s.call('DELETE', `/api/v1/jobs/${other.id}`)).status).toBe(204);
      expect((await s.call('GET', `/api/v1/jobs/${other.id}`)).status).toBe(404);
    });
  });

  describe('queues and workers', () => {
    it('counts by state, pause and resume, retry-failed and clean', async () => {
      await s.fila.enqueueMany([1, 2, 3].map((i) => ({ task: 'q', payload: i, options: { queue: 'ops' } })));
      await failOne('ops');
      await failOne('ops');
      const find = async () =>
        (
          await body<{ queues: { name: string; paused: boolean; counts: Record<string, number> }[] }>(
            s.call('GET', '/api/v1/queues'),
          )
        ).queues.find((q) => q.name === 'ops')!;
      expect((await find()).counts).toMatchObject({ queued: 1, failed: 2 });
      expect(await body(s.call('POST', '/api/v1/queues/ops/pause'))).toEqual({ queue: 'ops', paused: true });
      expect((await find()).paused).toBe(true);
      await s.call('POST', '/api/v1/queues/ops/resume');
      expect((await find()).paused).toBe(false);
      expect(await body(s.call('POST', '/api/v1/queues/ops/retry-failed'))).toEqual({ retried: 2 });
      expect((await find()).counts).toMatchObject({ queued: 3, failed: 0 });
      // Clean removes finished jobs older than the given age, in that queue only.
      await failOne('ops');
      expect(
        await body(
          s.call('POST', '/api/v1/queues/ops/clean', { body: { state: 'failed', olderThan: '1h' } }),
        ),
      ).toEqual({
        removed: 0,
      });
      expect(
        await body(s.call('POST', '/api/v1/queues/ops/clean', { body: { state: 'failed', olderThan: 0 } })),
      ).toEqual({
        removed: 1,
      });
      // A queue that holds jobs cannot be forgotten; an empty one (a paused typo) can.
      const refused = await s.call('DELETE', '/api/v1/queues/ops');
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ error: { code: 'invalid_state' } });
      await s.call('POST', '/api/v1/queues/opz/pause');
      expect((await s.call('DELETE', '/api/v1/queues/opz')).status).toBe(409); // paused
      await s.call('POST', '/api/v1/queues/opz/resume');
      expect(await body(s.call('DELETE', '/api/v1/queues/opz'))).toEqual({ queue: 'opz', forgotten: true });
      const names = (await body<{ queues: { name: string }[] }>(s.call('GET', '/api/v1/queues'))).queues;
      expect(names.map((q) => q.name)).toContain('ops');
      expect(names.map((q) => q.name)).not.toContain('opz');
    });

    it('recent throughput and failure rate come from the events of running workers; workers list with their details', async () => {
      const ok = defineTask({ name: 'rate-ok', queue: 'rates', handler: () => 'ok' });
      const bad = defineTask({
        name: 'rate-bad',
        queue: 'rates',
        maxAttempts: 1,
        handler: () => {
          throw new Error('no');
        },
      });
      const worker = s.fila.worker({ tasks: [ok, bad], concurrency: 3, handleSignals: false });
      await worker.start();
      const listed = await body<{ workers: Record<string, unknown>[] }>(s.call('GET', '/api/v1/workers'));
      expect(listed.workers).toHaveLength(1);
      expect(listed.workers[0]).toMatchObject({
        id: worker.id,
        host: expect.any(String),
        pid: process.pid,
        queues: ['rates'],
        concurrency: 3,
        activeJobs: expect.any(Array),
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
      expect(Date.parse(listed.workers[0]!.startedAt as string)).toBeLessThanOrEqual(Date.now());
      await s.fila.enqueueMany([
        ...Array.from({ length: 6 }, () => ({ task: ok, payload: undefined })),
        ...Array.from({ length: 2 }, () => ({ task: bad, payload: undefined })),
      ]);
      await expect
        .poll(
          async () =>
            (
              await body<{ queues: { name: string; recent: { completed: number; failed: number } }[] }>(
                s.call('GET', '/api/v1/queues'),
              )
            ).queues.find((q) => q.name === 'rates')?.recent,
          { timeout: 10_000 },
        )
        .toMatchObject({ completed: 6, failed: 2 });
      const rates = (
        await body<{ queues: { name: string; recent: { failureRate: number; throughputPerMin: number } }[] }>(
          s.call('GET', '/api/v1/queues'),
        )
      ).queues.find((q) => q.name === 'rates')!;
      expect(rates.recent.failureRate).toBe(0.25);
      expect(rates.recent.throughputPerMin).toBeGreaterThan(0);
      await worker.stop();
      // A stopped worker leaves the registry at once.
      expect((await body<{ workers: unknown[] }>(s.call('GET', '/api/v1/workers'))).workers).toEqual([]);
    }, 20_000);
  });

  describe('health', () => {
    it('is degraded past the stuck threshold and unhealthy (503) past the other; thresholds are configurable', async () => {
      const fila = s.fila;
      const strict = createServer({ fila, health: { stuckDegraded: 1, stuckUnhealthy: 3 } });
      const check = async () => {
        const r = await strict.fetch(
          new Request('http://x/api/v1/health', { headers: { authorization: `Bearer ${s.tokens.reader}` } }),
        );
        return {
          status: r.status,
          health: (await r.json()) as {
            status: string;
            stuck: number;
            reasons: string[];
            store: { ok: boolean };
            queues: { name: string; oldestQueuedAgeMs: number | null; stuck: number }[];
            workers: { live: number };
          },
        };
      };
      const first = await check();
      expect(first.status).toBe(200);
      expect(first.health.store.ok).toBe(true);
      expect(first.health.stuck).toBe(0);
      // Jobs claimed with a short lease and never renewed are stuck once the lease expires.
      await fila.enqueueMany(
        Array.from({ length: 4 }, () => ({ task: 'stuck', options: { queue: 'stuck' } })),
      );
      const store = await fila.store();
      await store.jobClaim({ queues: ['stuck'], limit: 2, leaseMs: 50, workerId: 'gone' });
      await new Promise((r) => setTimeout(r, 120));
      const degraded = await check();
      expect(degraded.status).toBe(200);
      expect(degraded.health).toMatchObject({ status: 'degraded', stuck: 2 });
      expect(degraded.health.reasons.join(' ')).toMatch(/stuck/);
      expect(degraded.health.queues.find((q) => q.name === 'stuck')).toMatchObject({ stuck: 2 });
      expect(
        degraded.health.queues.find((q) => q.name === 'stuck')!.oldestQueuedAgeMs,
      ).toBeGreaterThanOrEqual(100);
      await store.jobClaim({ queues: ['stuck'], limit: 2, leaseMs: 50, workerId: 'gone' });
      await new Promise((r) => setTimeout(r, 120));
      const unhealthy = await check();
      expect(unhealthy.status).toBe(503);
      expect(unhealthy.health).toMatchObject({ status: 'unhealthy', stuck: 4 });
      // The default thresholds (100 / 500) call the same store healthy or merely degraded.
      expect((await s.call('GET', '/api/v1/health')).status).toBe(200);
      expect(() => createServer({ fila, health: { stuckDegraded: 10, stuckUnhealthy: 5 } })).toThrow(
        /stuckDegraded/,
      );
      expect(() => createServer({ fila, health: { failureRateDegraded: 2 } })).toThrow(/failureRateDegraded/);
      await strict.close();
      // Rescue the stuck jobs so later tests see a clean store.
      await store.jobRescue({ limit: 100, maxCrashes: 5 });
    });
  });

  describe('metrics and the OpenAPI document', () => {
    it('exposes jobs by queue and state, counters, histograms by queue and task, and live workers', async () => {
      const done = defineTask({
        name: 'metered',
        queue: 'metered',
        handler: async () => new Promise((r) => setTimeout(r, 20)),
      });
      const worker = s.fila.worker({ tasks: [done], handleSignals: false });
      await worker.start();
      await s.fila.enqueueMany(Array.from({ length: 3 }, () => ({ task: done, payload: undefined })));
      await expect
        .poll(
          async () =>
            (await (await s.call('GET', '/metrics')).text()).match(
              /fila_jobs_completed_total\{queue="metered",task="metered"\} (\d+)/,
            )?.[1],
          { timeout: 10_000 },
        )
        .toBe('3');
      const text = await (await s.call('GET', '/metrics')).text();
      expect(text).toMatch(/# TYPE fila_job_run_seconds histogram/);
      expect(text).toMatch(/fila_job_run_seconds_count\{queue="metered",task="metered"\} 3/);
      expect(text).toMatch(/fila_job_wait_seconds_count\{queue="metered",task="metered"\} 3/);
      expect(text).toMatch(/fila_jobs\{queue="metered",state="completed"\} 3/);
      expect(text).toMatch(/fila_workers_live 1/);
      await worker.stop();
    }, 20_000);

    it('/openapi.json is OpenAPI 3.1, covers every route, and matches what the API validates', async () => {
      const doc = await body<{
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
        components: {
          schemas: Record<
            string,
            { properties: Record<string, unknown>; additionalProperties?: boolean; required?: string[] }
          >;
        };
      }>(s.call('GET', '/openapi.json'));
      expect(doc.openapi).toBe('3.1.0');
      for (const r of ROUTES)
        expect(doc.paths[r.route.path]?.[r.route.method], `${r.route.method} ${r.route.path}`).toBeDefined();
      const enqueue = doc.components.schemas.EnqueueRequest!;
      expect(enqueue.additionalProperties).toBe(false);
      expect(enqueue.required).toEqual(['task']);
      // Every documented field is accepted, and an undocumented one is refused.
      const sample: Record<string, unknown> = {
        task: 't',
        payload: 1,
        queue: 'q',
        priority: 'low',
        delay: 1000,
        runAt: Date.now() + 60_000,
        key: 'k-doc',
        dedup: 'ignore',
        maxAttempts: 2,
        timeout: '1m',
        tenant: 'doc',
        metadata: { a: 1 },
      };
      expect(Object.keys(enqueue.properties).sort()).toEqual(Object.keys(sample).sort());
      const { runAt: _runAt, ...withoutRunAt } = sample;
      expect((await s.call('POST', '/api/v1/jobs', { body: withoutRunAt })).status).toBe(201);
      expect(
        (await s.call('POST', '/api/v1/jobs', { body: { ...withoutRunAt, key: 'k-doc2', extra: 1 } })).status,
      ).toBe(400);
    });

    it('docs/api.md documents every route', () => {
      const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
      for (const r of ROUTES) expect(doc).toContain(`\`${r.route.method.toUpperCase()} ${r.route.path}`);
    });
  });
});
