/**
 * What only the SQLite store does: WAL mode, migrations recorded in the file, refusing a newer schema,
 * waiting out locks held by other processes (or by the application in this process) without blocking
 * the event loop, transactional enqueue on the application's better-sqlite3 connection, and URLs.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFila,
  defineTask,
  DuplicateJobError,
  SchemaVersionError,
  SqliteStore,
  StoreUnavailableError,
  ValidationError,
} from '../../src/index.js';
import { parseSqliteUrl } from '../../src/stores/open.js';
import { WalWatcher } from '../../src/stores/sqlite/wal-watch.js';
import { waitFor } from '../../src/testkit/harness.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-sqlite-'));
  path = join(dir, 'fila.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite store', () => {
  it('creates the file in WAL mode and records its migrations', async () => {
    const store = new SqliteStore({ path: join(dir, 'nested', 'deeper', 'fila.db') });
    const db = new Database(join(dir, 'nested', 'deeper', 'fila.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const rows = db.prepare('SELECT version, name FROM fila_migrations').all();
    expect(rows).toEqual([
      { version: 1, name: 'init' },
      { version: 2, name: 'events_tokens_workers' },
    ]);
    expect((await store.migrate()).applied).toEqual([]);
    expect(store.migrations()[0]!.sql).toMatch(/CREATE TABLE fila_jobs/);
    db.close();
    await store.close();
  });

  it('opens a current schema at once while another connection holds a write transaction', async () => {
    await new SqliteStore({ path }).close();
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE'); // e.g. a long import in another process
    try {
      const started = Date.now();
      const store = new SqliteStore({ path });
      expect(Date.now() - started).toBeLessThan(1000); // no wait for the write lock (it was 10 s)
      expect(await store.queueList()).toEqual([]);
      await store.close();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('refuses to run against a schema newer than it knows', async () => {
    await new SqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare('INSERT INTO fila_migrations (version, name, applied_at) VALUES (999, ?, 0)').run(
      'from the future',
    );
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(SchemaVersionError);
    expect(() => new SqliteStore({ path })).toThrow(/version 999, newer than this Fila knows/);
  });

  it('a path it cannot write fails with StoreUnavailableError, not a crash', () => {
    const locked = join(dir, 'readonly');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    if (process.getuid?.() === 0) {
      // root ignores directory permissions; use a path under a regular file instead.
      writeFileSync(path, '');
      expect(() => new SqliteStore({ path: join(path, 'x.db') })).toThrow(StoreUnavailableError);
      expect(() => new SqliteStore({ path: join(path, 'x.db') })).toThrow(/cannot open SQLite database/);
    } else {
      expect(() => new SqliteStore({ path: join(locked, 'x.db') })).toThrow(StoreUnavailableError);
    }
  });

  it('waits for a write lock held by another process, then succeeds; gives up cleanly after lockTimeoutMs', async () => {
    await new SqliteStore({ path }).close();
    const holdLock = (ms: number) => {
      const child = spawn(
        process.execPath,
        [
          '-e',
          `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path)});
           db.exec('BEGIN IMMEDIATE'); console.log('locked');
           setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      return new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    };
    const fila = createFila({ store: `sqlite://${path}` });
    await holdLock(700);
    const started = Date.now();
    const job = await fila.enqueue('noop', {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await fila.getJob(job.id)).not.toBeNull();
    await fila.close();

    const impatient = createFila({ store: `sqlite://${path}?lockTimeoutMs=200` });
    await holdLock(1500);
    const error = await impatient.enqueue('noop', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/stayed locked for 200 ms/);
    await impatient.close();
  });

  it('keeps the event loop free while the application holds a write transaction in the same process', async () => {
    const fila = createFila({ store: `sqlite://${path}` });
    await fila.store();
    const app = new Database(path);
    app.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    // The store waits asynchronously; the application's commit (on a timer) can therefore run.
    setTimeout(() => app.exec('COMMIT'), 300);
    const job = await fila.enqueue('noop', {});
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(10);
    expect(job.state).toBe('queued');
    app.close();
    await fila.close();
  });

  it('transactional enqueue works inside a synchronous better-sqlite3 transaction, and rolls back with it', async () => {
    const fila = createFila({ store: `sqlite://${path}` });
    await fila.store();
    const app = new Database(path);
    app.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER)');
    const placeOrder = app.transaction((total: number, fail: boolean) => {
      const { lastInsertRowid } = app.prepare('INSERT INTO orders (total) VALUES (?)').run(total);
      void fila.enqueue(
        'send-receipt',
        { order: Number(lastInsertRowid) },
        { tx: app, key: `receipt:${lastInsertRowid}`, dedup: 'reject' },
      );
      if (fail) throw new Error('payment declined');
    });
    placeOrder(100, false);
    expect(() => placeOrder(200, true)).toThrow('payment declined');
    const jobs = (await fila.listJobs()).jobs;
    expect(jobs.map((j) => j.payload)).toEqual([{ order: 1 }]);
    expect(app.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 1 });

    // An error inside enqueue (here: a duplicate key) is thrown synchronously, so the transaction rolls back.
    const duplicate = app.transaction(() => {
      app.prepare('INSERT INTO orders (total) VALUES (?)').run(300);
      void fila.enqueue('send-receipt', { order: 1 }, { tx: app, key: 'receipt:1', dedup: 'reject' });
    });
    expect(() => duplicate()).toThrow(DuplicateJobError);
    expect(app.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 1 });
    app.close();
    await fila.close();
  });

  it('refuses a transaction on another database file', async () => {
    const fila = createFila({ store: `sqlite://${path}` });
    await fila.store();
    const other = new Database(join(dir, 'other.db'));
    expect(() => fila.enqueue('noop', {}, { tx: other })).toThrow(/must be the same file/);
    expect(() => fila.enqueue('noop', {}, { tx: {} })).toThrow(ValidationError);
    other.close();
    await fila.close();
  });

  it('sqlite://:memory: keeps the database in memory: jobs run, nothing is written to disk, stores are separate', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const a = createFila({ store: 'sqlite://:memory:' });
      const b = createFila({ store: 'sqlite://:memory:' });
      expect((await a.store()).capabilities).toEqual({ crossProcessWake: false, transactions: false });
      const ran: number[] = [];
      let finished!: () => void;
      const done = new Promise<void>((r) => (finished = r));
      const job = await a.enqueue('count', { n: 1 });
      const count = defineTask({
        name: 'count',
        handler: (p: { n: number }) => {
          ran.push(p.n);
          finished();
        },
      });
      const worker = a.worker({ tasks: [count], handleSignals: false });
      await worker.start();
      await done;
      await worker.stop();
      expect(ran).toEqual([1]);
      expect((await a.getJob(job.id))?.state).toBe('completed');
      expect(await b.getJob(job.id)).toBeNull();
      await a.close();
      await b.close();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a commit that becomes visible well after its file event (a slow fsync) still wakes the watcher', async () => {
    mkdirSync(dir, { recursive: true });
    const db = join(dir, 'slow.db');
    let visibleAt = Infinity;
    let woken = 0;
    const watcher = new WalWatcher(
      db,
      () => Date.now() >= visibleAt,
      () => woken++,
      () => {},
    );
    expect(watcher.start()).toBe(true);
    try {
      visibleAt = Date.now() + 120; // published 120 ms after the WAL was written
      writeFileSync(`${db}-wal`, 'frame');
      await waitFor(() => woken > 0, 'the watcher to see the commit', 2000);
    } finally {
      watcher.stop();
    }
  });

  it('a watch that fails is set up again, and then hears commits as before', async () => {
    mkdirSync(dir, { recursive: true });
    const db = join(dir, 'restart.db');
    let commits = 0;
    let seen = 0;
    const errors: unknown[] = [];
    const watcher = new WalWatcher(
      db,
      () => {
        const changed = commits !== seen;
        seen = commits;
        return changed;
      },
      () => {},
      (e) => void errors.push(e),
    );
    expect(watcher.start()).toBe(true);
    try {
      const fsWatcher = (watcher as unknown as { watcher: FSWatcher }).watcher;
      fsWatcher.emit('error', new Error('folder gone (test)'));
      expect(errors).toHaveLength(1);
      expect((watcher as unknown as { watcher?: FSWatcher }).watcher).toBeUndefined();
      // Set up again about a second later; a commit made meanwhile is found by the check that follows.
      commits++;
      await waitFor(() => (watcher as unknown as { watcher?: FSWatcher }).watcher, 'the watch again', 3000);
      await waitFor(() => seen === commits, 'the commit made while it was down', 1000);
      commits++;
      writeFileSync(`${db}-wal`, 'frame');
      await waitFor(() => seen === commits, 'a commit after the restart', 1000);
      expect(errors).toHaveLength(1);
    } finally {
      watcher.stop();
    }
  });

  it('parses store URLs', () => {
    expect(parseSqliteUrl('sqlite://.fila/fila.db')).toEqual({ path: '.fila/fila.db' });
    expect(parseSqliteUrl('sqlite:///var/lib/fila.db?synchronous=full')).toEqual({
      path: '/var/lib/fila.db',
      synchronous: 'full',
    });
    expect(() => parseSqliteUrl('sqlite://')).toThrow(/missing the database file path/);
    expect(() => parseSqliteUrl('sqlite://x.db?cache=big')).toThrow(/unknown or invalid parameter cache=big/);
    expect(() => parseSqliteUrl('sqlite://x.db?synchronous=full&synchronous=normal')).toThrow(
      /parameter synchronous given twice/,
    );
    expect(() => parseSqliteUrl('sqlite://data/100%.db')).toThrow(/malformed %-escape/);
    expect(parseSqliteUrl('sqlite://data/100%25.db')).toEqual({ path: 'data/100%.db' });
    expect(() => createFila({ store: 'mysql://localhost/db' })).toThrow(/unsupported scheme "mysql"/);
    expect(() => createFila({ store: 'sqlite:' })).toThrow(/a sqlite URL starts with sqlite:\/\//);
    expect(() => createFila({ store: 'redis:/h' })).toThrow(
      /a redis URL starts with redis:\/\/ \(e\.g\. redis:/,
    );
    expect(() => createFila({ store: 'postgres://user:secret@host/db' })).not.toThrow(/secret/);
    expect(() => createFila({ store: 'postgres:/admin:s3cret@db/app' })).toThrow(/starts with postgres:\/\//);
    expect(() => createFila({ store: 'postgres:/admin:s3cret@db/app' })).not.toThrow(/s3cret/);
  });
});
