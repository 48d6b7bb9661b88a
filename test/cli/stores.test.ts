/**
 * The CLI on PostgreSQL and Redis (a schema or key prefix per test on the shared servers; skipped with a
 * reason when a server is not reachable): a worker or server that fails closes its client and exits
 * (a pool or a connection would otherwise keep the process alive), a store URL's password is never
 * printed, and `fila jobs` keeps the cursor of a page that a filtered scan ended early, even an empty one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFila } from '../../src/client/fila.js';
import { dropStore } from '../../src/stores/open.js';
import { POSTGRES_URL, REDIS_URL, unavailable } from '../helpers/services.js';
import { outputMatching, ROOT, runFila, startFila, type Run } from './run.js';

const TASKS = join(ROOT, 'test/fixtures/tasks');
const skip = { postgres: await unavailable('postgres'), redis: await unavailable('redis') };
let dir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-cli-stores-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** A store URL of its own on the shared server, deleted after the test. */
function freshUrl(kind: 'postgres' | 'redis', password?: string): string {
  const url = new URL(kind === 'postgres' ? POSTGRES_URL : REDIS_URL);
  const name = `fila_cli_${randomBytes(4).toString('hex')}`;
  url.searchParams.set(kind === 'postgres' ? 'schema' : 'prefix', name);
  if (password !== undefined) url.password = password;
  const text = url.toString();
  cleanups.push(() => dropStore(text));
  return text;
}

const fila = (store: string, args: string[], timeoutMs = 20_000): Run =>
  runFila(['--store', store, ...args], { cwd: dir, timeoutMs });

async function schemaExists(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const schema = new URL(url).searchParams.get('schema');
    const r = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
      schema,
    ]);
    return r.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe.each(['postgres', 'redis'] as const)('fila CLI on %s', (kind) => {
  it.skipIf(skip[kind])(
    'a worker or server that refuses a flag, or cannot listen, closes its client and exits',
    async () => {
      const store = freshUrl(kind);
      // Before the fix, each of these printed its error and then hung on the store's open connections.
      const lease = fila(store, ['worker', '--tasks', TASKS, '--lease', '500ms'], 15_000);
      expect(lease, 'worker --lease 500ms').toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/lease must be at least 1000 ms/),
      });
      const health = fila(store, ['server', '--port', '0', '--stuck-unhealthy', '50'], 15_000);
      expect(health, 'server --stuck-unhealthy 50').toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/stuckDegraded \(100\) must not exceed stuckUnhealthy \(50\)/),
      });
      // The flags are checked before the store is opened.
      if (kind === 'postgres') expect(await schemaExists(store)).toBe(false);

      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
      const port = (taken.address() as { port: number }).port;
      const busy = fila(store, ['server', '--port', String(port)], 15_000);
      expect(busy, 'server on a port in use').toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/EADDRINUSE/),
      });
    },
    90_000,
  );
});

describe('fila CLI with a password in the store URL', () => {
  it.skipIf(skip.postgres)(
    'worker, server, dev and bench print the store URL with the password hidden',
    async () => {
      const given = new URL(POSTGRES_URL).password;
      const password = given || 'fila-s3cret-pw';
      const store = freshUrl('postgres', password);
      const hidden = /postgres:\/\/[^:@/]*:\*\*\*@/;
      const started: [string[], RegExp][] = [
        [['worker', '--tasks', TASKS], /worker \S+ on /],
        [['server', '--port', '0'], /Fila API on /],
        [['dev', '--no-demo', '--port', '0'], /fila dev on /],
      ];
      for (const [args, ready] of started) {
        const child = startFila(['--store', store, ...args], { cwd: dir });
        const out = await outputMatching(child, ready);
        const line = out.split('\n').find((l) => ready.test(l));
        expect(line, `${args[0]}: ${out}`).toMatch(hidden);
        child.kill('SIGINT');
        await child.exited;
        expect(child.output(), args[0]).not.toContain(password);
      }
      const bench = ['bench', '--jobs', '100', '--scenarios', 'add_single'];
      const asJson = fila(store, [...bench, '--json'], 60_000);
      expect(asJson.code, asJson.stderr).toBe(0);
      expect((JSON.parse(asJson.stdout) as { store: string }).store).toMatch(hidden);
      const text = fila(store, bench, 60_000);
      expect(text.stdout).toMatch(new RegExp(`^fila bench: ${hidden.source}`));
      expect(asJson.stdout + text.stdout + text.stderr).not.toContain(password);
    },
    120_000,
  );
});

describe('fila jobs on a page that a filtered scan ended early', () => {
  it.skipIf(skip.redis)(
    'prints the cursor hint even when the page is empty, and the next page goes on from it',
    async () => {
      // The Redis store walks at most 50,000 jobs for a filter its indexes cannot answer, then returns
      // what it found (here: nothing) with a cursor to go on from.
      const store = freshUrl('redis');
      const client = createFila({ store });
      try {
        for (let i = 0; i < 50_001; i += 5000) {
          const n = Math.min(5000, 50_001 - i);
          await client.enqueueMany(Array.from({ length: n }, () => ({ task: 'seed', payload: null })));
        }
        await client.enqueue('wanted', null);
      } finally {
        await client.close();
      }
      const first = fila(store, ['jobs', '--task', 'wanted', '--oldest-first']);
      expect(first.code, first.stderr).toBe(0);
      const cursor = /^more: --cursor (\S+)$/m.exec(first.stdout)?.[1];
      expect(first.stdout).toMatch(/^no jobs on this page\nmore: --cursor \S+\n$/);
      const next = fila(store, ['jobs', '--task', 'wanted', '--oldest-first', '--cursor', cursor!]);
      expect(next.stdout).toMatch(/^ID\s+TASK/);
      expect(next.stdout).toMatch(/\swanted\s/);
      expect(next.stdout).not.toMatch(/more: --cursor/);
    },
    120_000,
  );
});
