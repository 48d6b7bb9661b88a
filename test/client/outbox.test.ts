/**
 * The outbox relay with a real application database (better-sqlite3, the app's own file) and a real
 * Fila store: Redis, the store it exists for, when reachable; SQLite always.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFila, type Fila } from '../../src/client/fila.js';
import { OutboxRelay, type OutboxSource } from '../../src/client/outbox.js';
import { ClientClosedError } from '../../src/core/errors.js';
import { defineTask } from '../../src/core/task.js';
import { dropStore } from '../../src/stores/open.js';
import { waitFor } from '../../src/testkit/harness.js';
import { REDIS_URL, unavailable } from '../helpers/services.js';

const stores = ['sqlite', ...((await unavailable('redis')) ? [] : ['redis'])];

/** The application's database, with an outbox table, and a source reading it. */
function appDatabase(dir: string) {
  const db = new Database(join(dir, 'app.db'));
  db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL);
           CREATE TABLE fila_outbox (id INTEGER PRIMARY KEY, task TEXT NOT NULL, payload TEXT NOT NULL)`);
  const source: OutboxSource = {
    take: async (limit) =>
      (
        db.prepare('SELECT id, task, payload FROM fila_outbox ORDER BY id LIMIT ?').all(limit) as {
          id: number;
          task: string;
          payload: string;
        }[]
      ).map((r) => ({ id: String(r.id), task: r.task, payload: JSON.parse(r.payload) as unknown })),
    done: async (ids) => {
      const del = db.prepare('DELETE FROM fila_outbox WHERE id = ?');
      db.transaction(() => ids.forEach((id) => del.run(Number(id))))();
    },
  };
  const placeOrder = db.transaction((total: number, fail: boolean) => {
    const { lastInsertRowid } = db.prepare('INSERT INTO orders (total) VALUES (?)').run(total);
    db.prepare('INSERT INTO fila_outbox (task, payload) VALUES (?, ?)').run(
      'send-receipt',
      JSON.stringify({ order: Number(lastInsertRowid) }),
    );
    if (fail) throw new Error('payment declined');
  });
  return { db, source, placeOrder };
}

describe.each(stores)('outbox relay on %s', (kind) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'fila-outbox-'));
    const url =
      kind === 'redis'
        ? `${REDIS_URL}?prefix=fila-test-${randomBytes(6).toString('hex')}`
        : `sqlite://${join(dir, 'fila.db')}`;
    const receipt = defineTask({ name: 'send-receipt', handler: (p: { order: number }) => p.order });
    const fila: Fila = createFila({ store: url, tasks: [receipt] });
    const app = appDatabase(dir);
    cleanups.push(async () => {
      await fila.close();
      app.db.close();
      if (kind === 'redis') await dropStore(url);
      rmSync(dir, { recursive: true, force: true });
    });
    return { fila, app };
  }

  it('turns committed entries into jobs, once each, even when the relay stops before deleting them', async () => {
    const { fila, app } = await setup();
    for (let i = 1; i <= 5; i++) app.placeOrder(i * 10, false);
    expect(() => app.placeOrder(99, true)).toThrow(/declined/);
    // The first run enqueues, then "crashes" before the entries are deleted.
    const crashing = new OutboxRelay(fila, { ...app.source, done: () => Promise.reject(new Error('crash')) });
    await expect(crashing.relay()).rejects.toThrow(/crash/);
    expect(await new OutboxRelay(fila, app.source, { batch: 2 }).relay()).toBe(5);
    const jobs = (await fila.listJobs({ task: 'send-receipt', order: 'asc' })).jobs;
    expect(jobs.map((j) => j.payload)).toEqual([1, 2, 3, 4, 5].map((order) => ({ order })));
    expect(app.db.prepare('SELECT count(*) AS n FROM fila_outbox').get()).toEqual({ n: 0 });
  });

  it('runs in the background, and sets aside entries the store refuses', async () => {
    const { fila, app } = await setup();
    app.db.prepare("INSERT INTO fila_outbox (task, payload) VALUES ('no-such-task', '{}')").run();
    app.placeOrder(10, false);
    const rejected: string[] = [];
    const relay = new OutboxRelay(
      fila,
      {
        ...app.source,
        // Moves them aside (here: deletes them, noting which).
        rejected: async (list) => {
          rejected.push(...list.map((r) => r.entry.id));
          await app.source.done(list.map((r) => r.entry.id));
        },
      },
      { interval: 50 },
    );
    relay.start();
    app.placeOrder(20, false);
    await waitFor(
      async () => (await fila.listJobs({ task: 'send-receipt' })).jobs.length === 2,
      'both receipts enqueued',
    );
    await relay.stop();
    expect(rejected).toEqual(['1']);
  });

  it('a closed client sets no entry aside: every entry waits for the next run', async () => {
    const { fila, app } = await setup();
    for (let i = 1; i <= 3; i++) app.placeOrder(i * 10, false);
    const rejected: string[] = [];
    const relay = new OutboxRelay(fila, {
      ...app.source,
      rejected: async (list) => void rejected.push(...list.map((r) => r.entry.id)),
    });
    await fila.close();
    await expect(relay.relay()).rejects.toThrow(ClientClosedError);
    expect(rejected).toEqual([]);
    expect(app.db.prepare('SELECT count(*) AS n FROM fila_outbox').get()).toEqual({ n: 3 });
  });

  it('outboxes with their own names keep entries of the same id apart', async () => {
    const { fila } = await setup();
    const source = (task: string, options = {}): OutboxSource => {
      let pending = [{ id: '42', task, payload: { from: task }, options }];
      return {
        take: async () => pending,
        done: async () => void (pending = []),
      };
    };
    // The first job stays unfinished (scheduled), so its key is still held when the second comes.
    await new OutboxRelay(fila, source('send-receipt', { delay: '1h' }), { name: 'orders' }).relay();
    await new OutboxRelay(fila, source('send-receipt'), { name: 'refunds' }).relay();
    const jobs = (await fila.listJobs({ task: 'send-receipt', order: 'asc' })).jobs;
    expect(jobs.map((j) => [j.key, j.state])).toEqual([
      ['outbox:orders:42', 'scheduled'],
      ['outbox:refunds:42', 'queued'],
    ]);
  });
});
