/**
 * Redis-only behaviour the conformance suite cannot see: URL and prefix validation, namespaces that
 * share a server without seeing each other, the one hash tag per namespace, one token per lease, the
 * server's clock, and failing fast when the server is not there.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createFila, Fila } from '../../src/client/fila.js';
import { StoreUnavailableError, ValidationError } from '../../src/core/errors.js';
import { dropStore, openStore } from '../../src/stores/open.js';
import { parseRedisUrl } from '../../src/stores/redis/keys.js';
import { sleep } from '../../src/testkit/harness.js';
import { withOverrides } from '../../src/testkit/leases.js';
import { noop } from '../../src/testkit/tasks.js';
import { plainJob } from '../helpers/jobs.js';
import { REDIS_URL, unavailable } from '../helpers/services.js';

const skip = await unavailable('redis');
const urlWith = (prefix: string) => `${REDIS_URL}?prefix=${prefix}`;
const fresh = () => urlWith(`fila-test-${randomBytes(6).toString('hex')}`);

describe('redis store URLs', () => {
  it('takes a prefix (default fila) and refuses anything else, naming it', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/0')).toEqual({
      connection: 'redis://127.0.0.1:6379/0',
      prefix: 'fila',
      cluster: false,
    });
    expect(parseRedisUrl('rediss://u:p@cache.example:6380/2?prefix=app1')).toEqual({
      connection: 'rediss://u:p@cache.example:6380/2',
      prefix: 'app1',
      cluster: false,
    });
    expect(parseRedisUrl('redis://node-1:7000?cluster=true&prefix=app2')).toMatchObject({
      prefix: 'app2',
      cluster: true,
    });
    expect(() => parseRedisUrl('redis://h/0?prefx=a')).toThrow(/unknown or invalid parameter prefx=a/);
    expect(() => parseRedisUrl('redis://h/0?cluster=yes')).toThrow(/cluster=yes/);
    expect(() => parseRedisUrl('redis://h/3?cluster=true')).toThrow(/database 0 only/);
    expect(() => parseRedisUrl('redis://h/0?prefix=a*b')).toThrow(/invalid Redis key prefix "a\*b"/);
    expect(() => parseRedisUrl('redis://h/0?prefix=')).toThrow(ValidationError);
    expect(() => parseRedisUrl('redis://h/jobs')).toThrow(/database number/);
  });

  it('refuses a repeated parameter and takes commandTimeoutMs', () => {
    expect(() => parseRedisUrl('redis://h/0?prefix=a&prefix=b')).toThrow(/parameter prefix given twice/);
    expect(parseRedisUrl('redis://h/0?commandTimeoutMs=2500')).toMatchObject({ commandTimeoutMs: 2500 });
    expect(() => parseRedisUrl('redis://h/0?commandTimeoutMs=soon')).toThrow(/commandTimeoutMs=soon/);
  });

  it('fails fast with StoreUnavailableError when no server listens, naming the server and the cause', async () => {
    const started = Date.now();
    const error = await Promise.resolve(openStore('redis://127.0.0.1:26399/0')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(
      /^Redis is unavailable \(migrate\): 127\.0\.0\.1:26399: connect ECONNREFUSED 127\.0\.0\.1:26399$/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.skipIf(skip)('redis store databases and counters', () => {
  it('a database the server refuses fails at open and at drop, and never touches database 0', async () => {
    const prefix = `fila-test-${randomBytes(6).toString('hex')}`;
    const admin = new Redis(REDIS_URL);
    try {
      await admin.set(`{${prefix}}:keep`, '1'); // another namespace of that name, on database 0
      const url = `${REDIS_URL.replace(/\/\d*$/, '')}/42?prefix=${prefix}`; // the server has 16
      await expect(openStore(url)).rejects.toThrow(/database 42: the server refused it/);
      await expect(dropStore(url)).rejects.toThrow(ValidationError);
      expect(await admin.get(`{${prefix}}:keep`)).toBe('1');
    } finally {
      await admin.del(`{${prefix}}:keep`);
      admin.disconnect();
    }
  });

  it("counts that fall back to zero are deleted, so a tenant's jobs leave nothing once cleaned", async () => {
    const url = fresh();
    const fila = createFila({ store: url });
    const admin = new Redis(REDIS_URL);
    try {
      const store = await fila.store();
      const prefix = parseRedisUrl(url).prefix;
      const baseline = await admin.hlen(`{${prefix}}:cnt`);
      for (let t = 0; t < 20; t++) await fila.enqueue('noop', {}, { tenant: `customer-${t}` });
      expect(await admin.hlen(`{${prefix}}:cnt`)).toBeGreaterThan(baseline + 20);
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 100,
        leaseMs: 30_000,
        workerId: 'w',
      });
      await store.jobCompleteMany({ jobs: jobs.map((j) => ({ id: j.id, token: j.token, result: null })) });
      await fila.clean({ state: 'completed', olderThan: 0 });
      expect(await admin.hlen(`{${prefix}}:cnt`)).toBeLessThanOrEqual(Math.max(baseline, 0));
      expect((await fila.listQueues())[0]!.counts).toMatchObject({ queued: 0, completed: 0 });
    } finally {
      admin.disconnect();
      await fila.close();
      await dropStore(url);
    }
  });
});

describe.skipIf(skip)('redis store namespaces', () => {
  const made: string[] = [];
  const url = () => {
    const u = fresh();
    made.push(u);
    return u;
  };
  afterAll(async () => {
    for (const u of made) await dropStore(u);
  });

  it('namespaces on one server do not see each other; dropping one leaves the other', async () => {
    const [a, b] = [url(), url()];
    const fa = createFila({ store: a });
    const fb = createFila({ store: b });
    try {
      const job = await fa.enqueue('noop', {}, { key: 'same-key' });
      const other = await fb.enqueue('noop', {}, { key: 'same-key' });
      expect(other.id).not.toBe(job.id);
      expect(await fb.getJob(job.id)).toBeNull();
      await dropStore(a);
      expect(await fa.getJob(job.id)).toBeNull();
      expect(await fb.getJob(other.id)).not.toBeNull();
    } finally {
      await fa.close();
      await fb.close();
    }
  });

  it('every key of a namespace carries its hash tag, so a namespace lives in one Cluster slot', async () => {
    const u = url();
    const prefix = parseRedisUrl(u).prefix;
    const fila = createFila({ store: u });
    const redis = new Redis(REDIS_URL);
    try {
      const store = await fila.store();
      await fila.enqueueMany([
        { task: 'noop', options: { queue: 'a', key: 'k' } },
        { task: 'noop', options: { queue: 'b', delay: '1h' } },
        { task: 'noop', options: { queue: 'c', tenant: 't' } },
      ]);
      const { jobs } = await store.jobClaim({ queues: ['a', 'c'], limit: 2, leaseMs: 5000, workerId: 'w' });
      await store.jobCompleteMany({ jobs: [{ id: jobs[0]!.id, token: jobs[0]!.token, result: '1' }] });
      await store.jobFailMany({
        jobs: [
          { id: jobs[1]!.id, token: jobs[1]!.token, error: { name: 'E', message: 'x' }, retryDelayMs: null },
        ],
      });
      await store.jobLogAppend({ entries: [{ id: jobs[0]!.id, attempt: 1, message: 'hi' }] });
      await store.eventAppend({
        events: [{ type: 'job:start', jobId: null, queue: null, task: null, tenant: null, data: null }],
      });
      await store.tokenCreate({
        token: { id: 't1', role: 'reader', tenant: null, name: null },
        secretHash: 'h',
      });
      await store.workerBeat({
        worker: {
          id: 'w',
          kind: 'worker',
          host: 'h',
          pid: 1,
          queues: [],
          concurrency: 1,
          activeJobs: [],
          startedAt: 0,
          version: 'x',
        },
        ttlMs: 60_000,
      });
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThan(10);
      expect(keys.filter((k) => !k.startsWith(`{${prefix}}:`))).toEqual([]);
    } finally {
      redis.disconnect();
      await fila.close();
    }
  });

  it('each lease of a batch claim has its own token, and leases expire by the server clock', async () => {
    const fila = createFila({ store: url() });
    const redis = new Redis(REDIS_URL);
    try {
      const store = await fila.store();
      await fila.enqueueMany(Array.from({ length: 20 }, () => ({ task: 'noop' })));
      const [s0, us0] = await redis.time();
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 20,
        leaseMs: 60_000,
        workerId: 'w',
      });
      const [s1, us1] = await redis.time();
      expect(new Set(jobs.map((j) => j.token)).size).toBe(20);
      const before = Number(s0) * 1000 + Math.floor(Number(us0) / 1000) + 60_000;
      const after = Number(s1) * 1000 + Math.floor(Number(us1) / 1000) + 60_000;
      for (const job of jobs) {
        expect(job.leaseExpiresAt).toBeGreaterThanOrEqual(before);
        expect(job.leaseExpiresAt).toBeLessThanOrEqual(after);
      }
    } finally {
      redis.disconnect();
      await fila.close();
    }
  });
});

describe.skipIf(skip)('redis store lists', () => {
  it('pages the same through the state indexes and through the insertion stream', async () => {
    const url = fresh();
    const fila = createFila({ store: url });
    try {
      const store = await fila.store();
      // More queued jobs than lists read from an index (10,000): those pages walk the stream.
      const queued: string[] = [];
      for (let i = 0; i < 10_050; i += 1005) {
        const batch = await fila.enqueueMany(
          Array.from({ length: 1005 }, (_, j) => ({ task: 'noop', payload: { n: i + j } })),
        );
        queued.push(...batch.map((j) => j.id));
      }
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 3,
        leaseMs: 60_000,
        workerId: 'w',
      });
      for (const job of jobs) {
        await store.jobFailMany({
          jobs: [{ id: job.id, token: job.token, error: { name: 'E', message: 'x' }, retryDelayMs: null }],
        });
      }
      const failed = jobs.map((j) => j.id);
      const pages = async (state: 'queued' | 'failed', order: 'asc' | 'desc', limit: number) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await fila.listJobs({ state, order, limit, cursor });
          seen.push(...page.jobs.map((j) => j.id));
          cursor = page.cursor;
        } while (cursor);
        return seen;
      };
      const rest = queued.filter((id) => !failed.includes(id));
      expect(await pages('queued', 'asc', 1000)).toEqual(rest);
      expect(await pages('queued', 'desc', 1000)).toEqual([...rest].reverse());
      expect(await pages('failed', 'asc', 2)).toEqual(failed);
      expect(await pages('failed', 'desc', 2)).toEqual([...failed].reverse());
      expect((await fila.listJobs({ state: ['failed', 'active'], queue: 'default' })).jobs).toHaveLength(3);
    } finally {
      await fila.close();
      await dropStore(url);
    }
  }, 60_000);
});

describe.skipIf(skip)('redis store claims', () => {
  it('claims across queues in one order: priority, then run-at, then insertion', async () => {
    const url = fresh();
    const fila = createFila({ store: url });
    try {
      const store = await fila.store();
      const now = Date.now();
      const add = (name: string, queue: string, priority: number, agoMs: number) =>
        fila.enqueue('noop', { name }, { queue, priority, runAt: new Date(now - agoMs) });
      await add('a-low-old', 'a', -10, 90_000);
      await add('b-normal-new', 'b', 0, 1_000);
      await add('a-normal-old', 'a', 0, 60_000);
      await add('b-high', 'b', 10, 0);
      await add('a-normal-new', 'a', 0, 1_000); // same run-at as b-normal-new, inserted later
      await add('b-before-2020', 'b', 0, now - Date.UTC(2001, 0, 1)); // older than the score can tell
      const queues = await fila.listQueues();
      expect(queues.find((q) => q.name === 'a')!.oldestQueuedAt).toBe(now - 90_000);
      expect(queues.find((q) => q.name === 'b')!.oldestQueuedAt).toBe(Date.UTC(2001, 0, 1));
      const { jobs } = await store.jobClaim({ queues: ['a', 'b'], limit: 10, leaseMs: 5000, workerId: 'w' });
      expect(jobs.map((j) => (j.payload as { name: string }).name)).toEqual([
        'b-high',
        'b-before-2020',
        'a-normal-old',
        'b-normal-new',
        'a-normal-new',
        'a-low-old',
      ]);
    } finally {
      await fila.close();
      await dropStore(url);
    }
  });

  it('jobs of default priority wait in a list, merged with the ready set in claim order', async () => {
    const url = fresh();
    const prefix = parseRedisUrl(url).prefix;
    const fila = createFila({ store: url });
    const redis = new Redis(REDIS_URL);
    try {
      const store = await fila.store();
      const name = (j: { payload: unknown }) => (j.payload as { name: string }).name;
      const claim = async (limit: number) =>
        (await store.jobClaim({ queues: ['default'], limit, leaseMs: 60_000, workerId: 'w' })).jobs;
      const first = await fila.enqueue('noop', { name: 'first' });
      await fila.enqueue('noop', { name: 'urgent' }, { priority: 5 });
      await fila.enqueue('noop', { name: 'second' });
      await fila.enqueue('noop', { name: 'overdue' }, { runAt: new Date(Date.now() - 60_000) });
      const [set, list] = [`{${prefix}}:q:default:r`, `{${prefix}}:q:default:l`];
      expect([await redis.zcard(set), await redis.llen(list)]).toEqual([2, 2]);
      expect((await fila.listQueues())[0]!.oldestQueuedAt).toBeLessThan(first.createdAt.getTime() - 50_000);
      const listed = await fila.listJobs({ state: 'queued' });
      expect(listed.jobs.map(name).sort()).toEqual(['first', 'overdue', 'second', 'urgent']);

      expect((await claim(1)).map(name)).toEqual(['urgent']);
      const [overdue, again] = await claim(2);
      expect([overdue, again].map((j) => name(j!))).toEqual(['overdue', 'first']);
      // Given back, `first` waits in the ready set with the release time as its run-at: after `second`,
      // ahead of `third`, which was inserted later.
      await sleep(5); // so that the release's run-at differs from the created-at
      await store.jobReleaseMany({ jobs: [{ id: again!.id, token: again!.token, delayMs: 0 }] });
      // A job queued at insert stores no created-at of its own (it is its run-at); after the release moved
      // its run-at, it still reads the time it was created, and its default attempts.
      const [released] = await store.jobGet({ ids: [first.id] });
      expect(released!.createdAt).toEqual(first.createdAt);
      expect(released!.runAt.getTime()).toBeGreaterThan(first.createdAt.getTime());
      expect(released!.maxAttempts).toBe(3);
      await fila.enqueue('noop', { name: 'third' });
      expect((await claim(2)).map(name)).toEqual(['second', 'first']);
      // A cancelled job's list entry goes stale; the next claim drops it.
      const fourth = await fila.enqueue('noop', { name: 'fourth' });
      await fila.cancel(fourth.id);
      expect(await redis.llen(list)).toBe(2);
      expect((await claim(5)).map(name)).toEqual(['third']);
      expect([await redis.zcard(set), await redis.llen(list)]).toEqual([0, 0]);
      expect((await fila.listQueues())[0]!.counts).toMatchObject({ queued: 0, active: 5, cancelled: 1 });
    } finally {
      redis.disconnect();
      await fila.close();
      await dropStore(url);
    }
  });

  it('an id inserted again after its job was removed is claimed once', async () => {
    const url = fresh();
    const store = await openStore(url);
    try {
      await store.migrate();
      const job = plainJob();
      await store.jobInsertMany({ jobs: [job] });
      await store.jobRemove({ ids: [job.id] });
      await store.jobInsertMany({ jobs: [job] }); // a batch re-sent late: its list entry is the second
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 5,
        leaseMs: 60_000,
        workerId: 'w',
      });
      expect(jobs.map((j) => j.id)).toEqual([job.id]);
      const again = await store.jobClaim({ queues: ['default'], limit: 5, leaseMs: 60_000, workerId: 'w' });
      expect(again.jobs).toEqual([]);
    } finally {
      await store.close();
      await dropStore(url);
    }
  });

  it('a claim that meets only stale list entries asks to be called again at once', async () => {
    const url = fresh();
    const fila = createFila({ store: url });
    try {
      const store = await fila.store();
      const ids: string[] = [];
      for (let i = 0; i < 10_500; i += 1500) {
        const batch = await fila.enqueueMany(Array.from({ length: 1500 }, () => ({ task: 'noop' })));
        ids.push(...batch.map((j) => j.id));
      }
      const live = await fila.enqueue('noop', { live: true });
      await store.jobCancel({ ids });
      // Due before this claim's time but after `live` was inserted: it goes to the ready set, and must not
      // be claimed ahead of `live`, which the first claim cannot reach past 10,000 stale entries.
      const later = await fila.enqueue('noop', { later: true }, { runAt: new Date(Date.now() - 1) });
      const claim = () => store.jobClaim({ queues: ['default'], limit: 10, leaseMs: 60_000, workerId: 'w' });
      const first = await claim();
      expect(first.jobs).toEqual([]);
      expect(first.nextRunAt).toBe(first.now);
      const second = await claim();
      expect(second.jobs.map((j) => j.id)).toEqual([live.id, later.id]);
    } finally {
      await fila.close();
      await dropStore(url);
    }
  });

  it('a due job in a paused queue does not make an idle worker claim in a loop', async () => {
    const url = fresh();
    const store = await openStore(url);
    let claims = 0;
    const counted = withOverrides(store, {
      jobClaim: (params) => {
        claims++;
        return store.jobClaim(params);
      },
    });
    const fila = new Fila({ store: counted });
    try {
      await fila.pauseQueue('default');
      await fila.enqueue('noop', {}, { delay: 50 });
      const worker = fila.worker({ tasks: [noop], pollInterval: '60s', handleSignals: false });
      await worker.start();
      await sleep(800);
      expect(claims).toBeLessThan(10);
      expect((await fila.listQueues())[0]!.counts.queued).toBe(1);
      await worker.stop();
    } finally {
      await fila.close();
      await store.close();
      await dropStore(url);
    }
  });
});

describe.skipIf(skip)('redis store logs', () => {
  it('keeps each job log in its own list, read in pages, and deletes it with the job', async () => {
    const url = fresh();
    const fila = createFila({ store: url });
    const redis = new Redis(REDIS_URL);
    try {
      const store = await fila.store();
      const job = await fila.enqueue('noop', {});
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 1,
        leaseMs: 60_000,
        workerId: 'w',
      });
      for (let i = 0; i < 5; i++) {
        await store.jobLogAppend({
          entries: Array.from({ length: 200 }, (_, j) => ({
            id: job.id,
            attempt: 1,
            message: `line ${i * 200 + j}`,
          })),
        });
      }
      const first = await store.jobLogs({ id: job.id, limit: 600 });
      expect(first.map((l) => l.message)).toEqual(Array.from({ length: 600 }, (_, i) => `line ${i}`));
      const rest = await store.jobLogs({ id: job.id, after: first.at(-1)!.seq, limit: 1000 });
      expect(rest).toHaveLength(400);
      expect(rest[0]!.message).toBe('line 600');
      const logKey = `{${parseRedisUrl(url).prefix}}:log:${job.id}`;
      expect(await redis.llen(logKey)).toBe(1000);
      await store.jobCompleteMany({ jobs: [{ id: job.id, token: jobs[0]!.token, result: null }] });
      await sleep(20);
      expect(await store.jobClean({ state: 'completed', olderThanMs: 0, limit: 10 })).toEqual({ removed: 1 });
      expect(await redis.exists(logKey)).toBe(0);
      expect(await fila.getJob(job.id)).toBeNull();
    } finally {
      redis.disconnect();
      await fila.close();
      await dropStore(url);
    }
  });
});

describe.skipIf(skip)('redis store dedup', () => {
  it('replace moves a waiting job to the queue of the new request', async () => {
    const url = fresh();
    const fila = createFila({ store: url });
    try {
      const store = await fila.store();
      const first = await fila.enqueue('noop', { v: 1 }, { key: 'sync:7', queue: 'slow', delay: '1h' });
      // The new request names another queue: the script needs that queue's keys and the old one's.
      const moved = await fila.enqueue('noop', { v: 2 }, { key: 'sync:7', queue: 'fast', dedup: 'replace' });
      expect(moved).toMatchObject({ id: first.id, queue: 'fast', state: 'queued', payload: { v: 2 } });
      const counts = Object.fromEntries((await fila.listQueues()).map((q) => [q.name, q.counts]));
      expect(counts.slow).toMatchObject({ scheduled: 0, queued: 0 });
      expect(counts.fast).toMatchObject({ queued: 1 });
      expect(
        (await store.jobClaim({ queues: ['slow'], limit: 5, leaseMs: 5000, workerId: 'w' })).jobs,
      ).toEqual([]);
      const { jobs } = await store.jobClaim({ queues: ['fast'], limit: 5, leaseMs: 5000, workerId: 'w' });
      expect(jobs.map((j) => j.id)).toEqual([first.id]);
    } finally {
      await fila.close();
      await dropStore(url);
    }
  });

  it('one replace batch moves waiting jobs out of many queues at once', async () => {
    // The script names every queue it lacks keys for in one reply, not one per call (the caller gives
    // up after ten calls).
    const url = fresh();
    const fila = createFila({ store: url });
    try {
      const queues = Array.from({ length: 12 }, (_, i) => `q${i}`);
      const old = await Promise.all(
        queues.map((queue, i) => fila.enqueue('noop', { i }, { key: `k${i}`, queue })),
      );
      const moved = await fila.enqueueMany(
        queues.map((_, i) => ({
          task: 'noop',
          payload: { i, moved: true },
          options: { key: `k${i}`, queue: 'target', dedup: 'replace' as const },
        })),
      );
      expect(moved.map((j) => [j.id, j.queue])).toEqual(old.map((j) => [j.id, 'target']));
      const counts = Object.fromEntries((await fila.listQueues()).map((q) => [q.name, q.counts.queued]));
      expect(counts).toMatchObject({ target: 12, ...Object.fromEntries(queues.map((q) => [q, 0])) });
    } finally {
      await fila.close();
      await dropStore(url);
    }
  });
});

describe.skipIf(skip)('redis store key layout', () => {
  it('refuses a worker id with a line break, which would end the state string early', async () => {
    const u = fresh();
    const fila = createFila({ store: u });
    try {
      const store = await fila.store();
      await fila.enqueue('noop', {});
      await expect(
        store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 5000, workerId: 'w\n2' }),
      ).rejects.toThrow(ValidationError);
      const { jobs } = await store.jobClaim({
        queues: ['default'],
        limit: 1,
        leaseMs: 5000,
        workerId: 'w 2',
      });
      expect(jobs[0]!.workerId).toBe('w 2');
    } finally {
      await fila.close();
      await dropStore(u);
    }
  });
});
