/**
 * Tenant isolation: a token scoped to a tenant sees and acts on its tenant's jobs only. Another tenant's
 * job answers exactly like a job that does not exist (no existence oracle); lists, counts, streams and
 * metrics are scoped; queue-wide operations are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import { defineTask } from '../../src/index.js';
import { waitFor } from '../../src/testkit/harness.js';
import { readSse, startServer, type ServerFixture, serverStores } from './helpers.js';

describe.each(await serverStores())('%s store', (kind) => {
  let s: ServerFixture;
  let acmeJob: Job;
  let globexJob: Job;
  let plainJob: Job;
  const MISSING = '01890000-0000-7000-8000-000000000000';

  beforeAll(async () => {
    s = await startServer(kind);
    acmeJob = await s.fila.enqueue(
      'report',
      { for: 'acme' },
      { tenant: 'acme', queue: 'shared', delay: '1h' },
    );
    globexJob = await s.fila.enqueue(
      'report',
      { for: 'globex' },
      { tenant: 'globex', queue: 'shared', delay: '1h' },
    );
    plainJob = await s.fila.enqueue('report', { for: 'nobody' }, { queue: 'shared', delay: '1h' });
  });
  afterAll(async () => {
    await s.close();
  });

  describe('tenant isolation', () => {
    it("another tenant's job answers exactly like a missing one, on every job route", async () => {
      const routes: [string, (id: string) => string][] = [
        ['GET', (id) => `/api/v1/jobs/${id}`],
        ['GET', (id) => `/api/v1/jobs/${id}/logs`],
        ['GET', (id) => `/api/v1/jobs/${id}/events`],
        ['POST', (id) => `/api/v1/jobs/${id}/cancel`],
        ['POST', (id) => `/api/v1/jobs/${id}/retry`],
        ['DELETE', (id) => `/api/v1/jobs/${id}`],
      ];
      for (const [method, path] of routes) {
        for (const foreign of [globexJob.id, plainJob.id]) {
          const other = await s.call(method, path(foreign), { token: s.tokens.acmeAdmin });
          const missing = await s.call(method, path(MISSING), { token: s.tokens.acmeAdmin });
          expect(other.status, `${method} ${path('{id}')}`).toBe(404);
          const [a, b] = [await other.json(), await missing.json()] as {
            error: { code: string; message: string };
          }[];
          expect(a!.error.code).toBe(b!.error.code);
          expect(a!.error.message.replace(foreign, 'ID')).toBe(b!.error.message.replace(MISSING, 'ID'));
        }
      }
      // Nothing was changed by those calls.
      expect(await s.fila.getJob(globexJob.id)).toMatchObject({ state: 'scheduled' });
      expect(await s.fila.getJob(plainJob.id)).toMatchObject({ state: 'scheduled' });
      // Its own job it may see and cancel.
      expect((await s.call('GET', `/api/v1/jobs/${acmeJob.id}`, { token: s.tokens.acme })).status).toBe(200);
    });

    it('lists show only its jobs; asking for another tenant is refused', async () => {
      const r = await s.call('GET', '/api/v1/jobs?limit=100', { token: s.tokens.acme });
      const ids = ((await r.json()) as { jobs: { id: string; tenant: string }[] }).jobs.map((j) => j.id);
      expect(ids).toEqual([acmeJob.id]);
      expect((await s.call('GET', '/api/v1/jobs?tenant=globex', { token: s.tokens.acme })).status).toBe(403);
      const all = await s.call('GET', '/api/v1/jobs?limit=100', { token: s.tokens.reader });
      expect(((await all.json()) as { jobs: unknown[] }).jobs.length).toBeGreaterThanOrEqual(3);
    });

    it("enqueue applies the token's tenant, and refuses another one", async () => {
      const r = await s.call('POST', '/api/v1/jobs', {
        token: s.tokens.acme,
        body: { task: 'report', payload: 1, delay: '1h' },
      });
      expect(r.status).toBe(201);
      expect(await r.json()).toMatchObject({ tenant: 'acme' });
      const batch = await s.call('POST', '/api/v1/jobs/batch', {
        token: s.tokens.acme,
        body: { jobs: [{ task: 'a' }, { task: 'b', tenant: 'acme' }] },
      });
      expect(((await batch.json()) as { jobs: { tenant: string }[] }).jobs.map((j) => j.tenant)).toEqual([
        'acme',
        'acme',
      ]);
      const before = (await s.fila.listJobs({ limit: 1000 })).jobs.length;
      expect(
        (
          await s.call('POST', '/api/v1/jobs', {
            token: s.tokens.acme,
            body: { task: 'x', tenant: 'globex' },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await s.call('POST', '/api/v1/jobs/batch', {
            token: s.tokens.acme,
            body: { jobs: [{ task: 'x' }, { task: 'y', tenant: 'globex' }] },
          })
        ).status,
      ).toBe(403);
      expect((await s.fila.listJobs({ limit: 1000 })).jobs.length).toBe(before);
      // Dedup keys are per tenant: the same key in two tenants makes two jobs.
      const a = await (
        await s.call('POST', '/api/v1/jobs', {
          token: s.tokens.acme,
          body: { task: 'k', key: 'same', delay: '1h' },
        })
      ).json();
      const g = await (
        await s.call('POST', '/api/v1/jobs', {
          token: s.tokens.globex,
          body: { task: 'k', key: 'same', delay: '1h' },
        })
      ).json();
      expect((a as { id: string }).id).not.toBe((g as { id: string }).id);
    });

    it('queue counts are scoped; queue-wide operations are refused; retry-failed touches its jobs only', async () => {
      const counts = async (token: string) =>
        (
          (await (await s.call('GET', '/api/v1/queues', { token })).json()) as {
            queues: { name: string; counts: { scheduled: number } }[];
          }
        ).queues;
      const acme = await counts(s.tokens.acme);
      const globex = await counts(s.tokens.globex);
      const admin = await counts(s.tokens.admin);
      const shared = (qs: typeof acme) => qs.find((q) => q.name === 'shared')!.counts.scheduled;
      expect(shared(acme)).toBe(1);
      expect(shared(globex)).toBe(1);
      expect(shared(admin)).toBe(3);
      for (const action of ['pause', 'resume']) {
        expect(
          (await s.call('POST', `/api/v1/queues/shared/${action}`, { token: s.tokens.acmeAdmin })).status,
        ).toBe(403);
      }
      expect(
        (
          await s.call('POST', '/api/v1/queues/shared/clean', {
            token: s.tokens.acmeAdmin,
            body: { state: 'completed', olderThan: 0 },
          })
        ).status,
      ).toBe(403);
      // Fail one job of each tenant, then retry-failed as acme.
      const store = await s.fila.store();
      for (const tenant of ['acme', 'globex']) {
        await s.fila.enqueue('f', {}, { tenant, queue: 'failing' });
        const { jobs } = await store.jobClaim({
          queues: ['failing'],
          limit: 1,
          leaseMs: 60_000,
          workerId: 't',
        });
        await store.jobFailMany({
          jobs: [
            {
              id: jobs[0]!.id,
              token: jobs[0]!.token,
              error: { name: 'E', message: 'x' },
              retryDelayMs: null,
            },
          ],
        });
      }
      const retried = await s.call('POST', '/api/v1/queues/failing/retry-failed', { token: s.tokens.acme });
      expect(await retried.json()).toEqual({ retried: 1 });
      expect(
        (await s.fila.listJobs({ queue: 'failing', state: 'failed' })).jobs.map((j) => j.tenant),
      ).toEqual(['globex']);
    });

    it('streams carry only its events; metrics and health count only its jobs', async () => {
      const stream = await s.call('GET', '/api/v1/events', { token: s.tokens.acme });
      const reading = readSse(stream, (events) => events.some((e) => e.data.includes('"done-acme"')), 10_000);
      const other = await s.call('GET', '/api/v1/events?tenant=globex', { token: s.tokens.acme });
      expect(other.status).toBe(403);
      const work = defineTask({
        name: 'scoped-work',
        handler: async (p: { tag: string }, ctx) => ctx.progress(50, p.tag),
      });
      const worker = s.fila.worker({ tasks: [work], handleSignals: false });
      await worker.start();
      await s.fila.enqueue(work, { tag: 'done-globex' }, { tenant: 'globex' });
      await s.fila.enqueue(work, { tag: 'done-none' });
      await s.fila.enqueue(work, { tag: 'done-acme' }, { tenant: 'acme' });
      const { events } = await reading;
      const parsed = events.map(
        (e) => JSON.parse(e.data) as { tenant: string | null; data: { message?: string } | null },
      );
      expect(parsed.length).toBeGreaterThan(0);
      expect(parsed.every((e) => e.tenant === 'acme')).toBe(true);
      expect(parsed.some((e) => e.data?.message === 'done-acme')).toBe(true);
      await worker.stop();

      // The server counts completions from the event log, which reaches it a moment after stop().
      const completedLines = async (token: string) => {
        const text = await (await s.call('GET', '/metrics', { token })).text();
        return text
          .split('\n')
          .filter((l) => l.startsWith('fila_jobs_completed_total{'))
          .join('\n');
      };
      const pattern = /fila_jobs_completed_total\{queue="default",task="scoped-work"\} 3/;
      await waitFor(async () => pattern.test(await completedLines(s.tokens.reader)), 'three completions');
      expect(await completedLines(s.tokens.acme)).toMatch(/scoped-work"} 1$/m);
      const health = (await (await s.call('GET', '/api/v1/health', { token: s.tokens.acme })).json()) as {
        queues: { name: string }[];
      };
      expect(health.queues.map((q) => q.name).sort()).toEqual(['default', 'failing', 'shared']);
      const workers = (await (await s.call('GET', '/api/v1/workers', { token: s.tokens.acme })).json()) as {
        workers: { activeJobs: string[] }[];
      };
      expect(workers.workers.every((w) => w.activeJobs.length === 0)).toBe(true);
    }, 30_000);
  });
});
