/**
 * Health when the store goes away: a server on a private Redis that the test kills and starts again.
 * (The shared servers are never disturbed; SQLite has no server to lose.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFila, type Fila } from '../../src/index.js';
import { createServer, createToken, type FilaServer } from '../../src/server/index.js';
import { waitFor } from '../../src/testkit/harness.js';
import { PrivateRedis, privateRedisUnavailable } from '../helpers/redis-server.js';

const skip = privateRedisUnavailable() !== undefined;

describe.skipIf(skip)('health when the store goes away', () => {
  const redis = new PrivateRedis(26390);
  let fila: Fila;
  let server: FilaServer;
  let token: string;
  let base: string;

  beforeAll(async () => {
    await redis.start();
    fila = createFila({ store: `${redis.url}?prefix=fila-health` });
    token = (await createToken(await fila.store(), { role: 'reader' })).token;
    server = createServer({ fila });
    base = `http://127.0.0.1:${(await server.listen({ port: 0 })).port}`;
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await fila?.close({ grace: 0 });
    await redis.stop();
  }, 30_000);

  const health = async () => {
    const res = await fetch(`${base}/api/v1/health`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: res.status,
      body: (await res.json()) as { status: string; reasons: string[]; store: { ok: boolean } },
    };
  };

  it('answers 503 unhealthy naming the store while it is down, and healthy again once it is back', async () => {
    expect(await health()).toMatchObject({ status: 200, body: { status: 'healthy', store: { ok: true } } });
    await redis.kill();
    const started = Date.now();
    const down = await health();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unhealthy', store: { ok: false } });
    expect(down.body.reasons.join('; ')).toMatch(/store unreachable/);
    await redis.start();
    await waitFor(async () => (await health()).status === 200, 'health to recover', 30_000, 200);
  }, 60_000);
});
