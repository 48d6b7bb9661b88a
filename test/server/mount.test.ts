/**
 * The API mounted inside an existing app, as docs/api.md shows it: a plain node:http server, Express
 * (with a path prefix, beside the app's own routes and body parser), and Hono (through `fetch`).
 */
import express from 'express';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFila, defineTask, type Fila } from '../../src/index.js';
import { createServer, createToken, type FilaServer } from '../../src/server/index.js';
import { readSse } from './helpers.js';

let dir: string;
let fila: Fila;
let api: FilaServer;
let token: string;
const servers: Server[] = [];

const work = defineTask({
  name: 'mounted',
  handler: async (_p: Record<string, never>, ctx) => {
    await ctx.progress(50, 'half');
    return 'done';
  },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fila-mount-'));
  fila = createFila({ store: `sqlite://${join(dir, 'fila.db')}` });
  token = (await createToken(await fila.store(), { role: 'admin' })).token;
  api = createServer({ fila });
  await api.start();
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await api.close();
  await fila.close({ grace: 0 });
  rmSync(dir, { recursive: true, force: true });
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** Enqueues through the mounted API, runs the job, and follows it on the mounted SSE stream. */
async function roundTrip(base: string): Promise<void> {
  const created = await fetch(`${base}/api/v1/jobs`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ task: 'mounted', payload: {}, delay: 300 }),
  });
  expect(created.status).toBe(201);
  const job = (await created.json()) as { id: string };
  const stream = await fetch(`${base}/api/v1/jobs/${job.id}/events?token=${token}`);
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  const worker = fila.worker({ tasks: [work], handleSignals: false });
  await worker.start();
  const { events, ended } = await readSse(stream, () => false, 10_000);
  await worker.stop();
  expect(ended).toBe(true);
  expect(events.map((e) => e.event)).toContain('job:progress');
  expect(events.at(-1)!.event).toBe('job:complete');
  const got = await fetch(`${base}/api/v1/jobs/${job.id}`, { headers: headers() });
  expect(await got.json()).toMatchObject({ state: 'completed', result: 'done' });
}

describe('mounting the API', () => {
  it('in a plain node:http server, beside the app’s own routes', async () => {
    const base = await listen(
      createHttpServer((req, res) => {
        if (req.url === '/hello') return res.end('hello from the app');
        api.nodeHandler(req, res);
      }),
    );
    expect(await (await fetch(`${base}/hello`)).text()).toBe('hello from the app');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await roundTrip(base);
  }, 20_000);

  it('in Express, under a prefix, before the app’s body parser', async () => {
    const app = express();
    app.use(api.middleware('/fila'));
    app.use(express.json());
    app.post('/orders', (req, res) => {
      res.status(201).json({ received: req.body as unknown });
    });
    const base = await listen(createHttpServer(app));
    const order = await fetch(`${base}/orders`, { method: 'POST', headers: headers(), body: '{"n":1}' });
    expect(await order.json()).toEqual({ received: { n: 1 } });
    expect((await fetch(`${base}/fila/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/fila/api/v1/jobs`)).status).toBe(401);
    // Paths outside the prefix, and unknown paths under it, are the app's (Express answers 404).
    expect((await fetch(`${base}/api/v1/jobs`, { headers: headers() })).status).toBe(404);
    const stray = await fetch(`${base}/fila/elsewhere`);
    expect(stray.status).toBe(404);
    expect(await stray.text()).toMatch(/Cannot GET/);
    await roundTrip(`${base}/fila`);
    expect(() => api.middleware('fila/')).toThrow(/prefix/);
  }, 20_000);

  it('in Hono, through the fetch handler', async () => {
    const app = new Hono();
    app.get('/hello', (c) => c.text('hello from hono'));
    app.mount('/fila', api.fetch);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise((r) => server.once('listening', r));
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await (await fetch(`${base}/hello`)).text()).toBe('hello from hono');
    await roundTrip(`${base}/fila`);
  }, 20_000);
});
