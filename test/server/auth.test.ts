/**
 * Authentication and authorization, driven by the route table: every route answers 401 without a token
 * and with a wrong one, 403 to a role below its own (and to a tenant-scoped token where the route acts on
 * whole queues), and works for the roles that may. A route missing from SAMPLES fails the suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/core/store.js';
import { ROUTES } from '../../src/server/index.js';
import { startServer, type ServerFixture, serverStores } from './helpers.js';

describe.each(await serverStores())('%s store', (kind) => {
  interface Sample {
    path: string;
    body?: unknown;
    sse?: boolean;
  }

  /** A valid request for each route; `tenant` is the tenant the request's job should belong to. */
  const SAMPLES: Record<string, (s: ServerFixture, tenant: string | null) => Promise<Sample>> = {
    'POST /api/v1/jobs': async () => ({ path: '/api/v1/jobs', body: { task: 'noop', payload: { n: 1 } } }),
    'POST /api/v1/jobs/batch': async () => ({
      path: '/api/v1/jobs/batch',
      body: { jobs: [{ task: 'noop' }] },
    }),
    'GET /api/v1/jobs': async () => ({ path: '/api/v1/jobs?limit=5' }),
    'GET /api/v1/jobs/{id}': async (s, t) => ({ path: `/api/v1/jobs/${await job(s, t)}` }),
    'GET /api/v1/jobs/{id}/logs': async (s, t) => ({ path: `/api/v1/jobs/${await job(s, t)}/logs` }),
    'GET /api/v1/jobs/{id}/events': async (s, t) => ({
      path: `/api/v1/jobs/${await job(s, t)}/events`,
      sse: true,
    }),
    'POST /api/v1/jobs/{id}/cancel': async (s, t) => ({ path: `/api/v1/jobs/${await job(s, t)}/cancel` }),
    'POST /api/v1/jobs/{id}/retry': async (s, t) => ({ path: `/api/v1/jobs/${await failedJob(s, t)}/retry` }),
    'DELETE /api/v1/jobs/{id}': async (s, t) => ({ path: `/api/v1/jobs/${await job(s, t)}` }),
    'GET /api/v1/queues': async () => ({ path: '/api/v1/queues' }),
    'POST /api/v1/queues/{name}/pause': async () => ({ path: '/api/v1/queues/auth/pause' }),
    'POST /api/v1/queues/{name}/resume': async () => ({ path: '/api/v1/queues/auth/resume' }),
    'POST /api/v1/queues/{name}/retry-failed': async () => ({ path: '/api/v1/queues/auth/retry-failed' }),
    'DELETE /api/v1/queues/{name}': async () => ({ path: '/api/v1/queues/auth-empty' }),
    'POST /api/v1/queues/{name}/clean': async () => ({
      path: '/api/v1/queues/auth/clean',
      body: { state: 'completed', olderThan: '1d' },
    }),
    'GET /api/v1/workers': async () => ({ path: '/api/v1/workers' }),
    'GET /api/v1/health': async () => ({ path: '/api/v1/health' }),
    'GET /api/v1/events': async () => ({ path: '/api/v1/events', sse: true }),
    'GET /metrics': async () => ({ path: '/metrics' }),
    'GET /openapi.json': async () => ({ path: '/openapi.json' }),
  };

  async function job(s: ServerFixture, tenant: string | null): Promise<string> {
    return (await s.fila.enqueue('noop', {}, { queue: 'auth', delay: '1h', ...(tenant ? { tenant } : {}) }))
      .id;
  }

  let failedQueues = 0;
  async function failedJob(s: ServerFixture, tenant: string | null): Promise<string> {
    const queue = `auth-failed-${++failedQueues}`;
    const id = (await s.fila.enqueue('noop', {}, { queue, ...(tenant ? { tenant } : {}) })).id;
    const store = await s.fila.store();
    const { jobs } = await store.jobClaim({ queues: [queue], limit: 1, leaseMs: 60_000, workerId: 't' });
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
    return id;
  }

  const key = (r: (typeof ROUTES)[number]) => `${r.route.method.toUpperCase()} ${r.route.path}`;

  async function send(
    s: ServerFixture,
    method: string,
    sample: Sample,
    token: string | null,
  ): Promise<number> {
    const response = await s.call(method, sample.path, {
      token,
      ...(sample.body === undefined ? {} : { body: sample.body }),
    });
    if (sample.sse && response.status === 200)
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    await response.body?.cancel().catch(() => {});
    return response.status;
  }

  let s: ServerFixture;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('API auth', () => {
    it('every route has a sample request in this test', () => {
      const missing = ROUTES.map(key).filter((k) => !SAMPLES[k]);
      expect(missing, 'add these routes to SAMPLES').toEqual([]);
      expect(ROUTES.length).toBe(Object.keys(SAMPLES).length);
    });

    it('only /healthz is open', async () => {
      const r = await s.call('GET', '/healthz', { token: null });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: 'ok' });
    });

    for (const route of ROUTES) {
      const method = route.route.method.toUpperCase();
      describe(key(route), () => {
        it('answers 401 without a token, with an unknown token, and with a malformed one', async () => {
          const sample = await SAMPLES[key(route)]!(s, null);
          expect(await send(s, method, sample, null)).toBe(401);
          expect(await send(s, method, sample, `fila_0123456789abcdef_${'A'.repeat(43)}`)).toBe(401);
          expect(await send(s, method, sample, 'not-a-token')).toBe(401);
          const other = await s.call(method, sample.path, {
            token: null,
            headers: { authorization: 'Basic dXNlcjpwYXNz' },
          });
          expect(other.status).toBe(401);
          expect(await other.json()).toMatchObject({ error: { code: 'unauthorized' } });
        });

        for (const role of ['reader', 'operator', 'admin'] as Role[]) {
          const allowed =
            ['reader', 'operator', 'admin'].indexOf(role) >=
            ['reader', 'operator', 'admin'].indexOf(route.role);
          it(`${allowed ? 'works' : 'answers 403'} for ${role}`, async () => {
            const sample = await SAMPLES[key(route)]!(s, null);
            const status = await send(s, method, sample, s.tokens[role]);
            if (allowed) expect([200, 201, 204]).toContain(status);
            else expect(status).toBe(403);
          });
        }

        it(`${route.tenants === 'forbidden' ? 'answers 403' : 'works'} for a token scoped to a tenant, on its tenant's jobs`, async () => {
          const sample = await SAMPLES[key(route)]!(s, 'acme');
          const status = await send(s, method, sample, s.tokens.acmeAdmin);
          if (route.tenants === 'forbidden') expect(status).toBe(403);
          else expect([200, 201, 204]).toContain(status);
        });
      });
    }

    it('a token revoked in the store stops working', async () => {
      const { createToken } = await import('../../src/server/index.js');
      const store = await s.fila.store();
      const { record, token } = await createToken(store, { role: 'reader' });
      expect((await s.call('GET', '/api/v1/queues', { token })).status).toBe(200);
      await store.tokenRevoke({ id: record.id });
      // Verifications are cached for at most 5 s.
      await new Promise((r) => setTimeout(r, 5200));
      expect((await s.call('GET', '/api/v1/queues', { token })).status).toBe(401);
    }, 15_000);

    it('GET accepts the token as ?token= (for EventSource); other methods do not', async () => {
      const viaQuery = await fetch(`${s.url}/api/v1/queues?token=${s.tokens.reader}`);
      expect(viaQuery.status).toBe(200);
      const post = await fetch(`${s.url}/api/v1/jobs?token=${s.tokens.admin}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"task":"noop"}',
      });
      expect(post.status).toBe(401);
    });
  });
});
