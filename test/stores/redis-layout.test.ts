/**
 * The Redis store's key layouts: a namespace written by an older Fila opens converted, its jobs reading
 * and running as before; a conversion cut short carries on; new jobs are stored in layout 4's short form.
 * Older layouts are rebuilt here from a current namespace, undoing what each layout changed.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createFila } from '../../src/client/fila.js';
import type { Store } from '../../src/core/store.js';
import { dropStore } from '../../src/stores/open.js';
import { publicId, storedId } from '../../src/stores/redis/ids.js';
import { KeyLayout, parseRedisUrl } from '../../src/stores/redis/keys.js';
import { STATE_NAMES } from '../../src/stores/redis/records.js';
import { scripts } from '../../src/stores/redis/sql.gen.js';
import { plainJob } from '../helpers/jobs.js';
import { REDIS_URL, unavailable } from '../helpers/services.js';

const skip = await unavailable('redis');
const fresh = () => `${REDIS_URL}?prefix=fila-test-${randomBytes(6).toString('hex')}`;

/** Runs `body` on a fresh namespace, with a raw connection to its server; both are gone afterwards. */
async function inNamespace(
  body: (url: string, prefix: string, redis: Redis) => Promise<void>,
): Promise<void> {
  const url = fresh();
  const redis = new Redis(REDIS_URL);
  try {
    await body(url, parseRedisUrl(url).prefix, redis);
  } finally {
    redis.disconnect();
    await dropStore(url);
  }
}

/** A record as layout 3 wrote it: the state's name, and the client's part as a JSON object. */
function layout3Record(record: string): string {
  const newline = record.indexOf('\n');
  const fields = record.slice(0, newline).split('|');
  fields[0] = STATE_NAMES[fields[0]!] ?? fields[0]!;
  let client = record.slice(newline + 1);
  if (!client.startsWith('{')) {
    const space = client.indexOf(' ');
    client = `{"t":${JSON.stringify(client.slice(0, space))},"p":${client.slice(space + 1)}}`;
  }
  return `${fields.join('|')}\n${client}`;
}

/**
 * Rewrites a layout-4 namespace as layout 3 kept it: jobs under their UUIDs in every hash, set, list and
 * stream, records spelled out. Only the jobs `which` picks (all by default): a conversion cut short
 * leaves some of each.
 */
async function toLayout3(redis: Redis, prefix: string, which: (id: string) => boolean = () => true) {
  const k = (name: string) => `{${prefix}}:${name}`;
  const back = (stored: string) => (which(publicId(stored)) ? publicId(stored) : stored);
  for (const hash of ['job', 'prog', 'res', 'lasterr', 'errs', 'jkey']) {
    for (const [field, value] of Object.entries(await redis.hgetall(k(hash)))) {
      if (back(field) === field) continue;
      await redis.hdel(k(hash), field);
      await redis.hset(k(hash), back(field), hash === 'job' ? layout3Record(value) : value);
    }
  }
  for (const [member, holder] of Object.entries(await redis.hgetall(k('keys')))) {
    await redis.hset(k('keys'), member, back(holder));
  }
  for (const key of await redis.keys(`{${prefix}}:*`)) {
    const type = await redis.type(key);
    if (type === 'zset' && (key === k('active') || /:q:.*:[rdcfx]$/.test(key))) {
      const ready = key.endsWith(':r');
      const members = await redis.zrange(key, 0, -1, 'WITHSCORES');
      await redis.del(key);
      for (let i = 0; i < members.length; i += 2) {
        const m = members[i]!;
        await redis.zadd(key, members[i + 1]!, ready ? m.slice(0, 7) + back(m.slice(7)) : back(m));
      }
    } else if (type === 'list' && key.endsWith(':l')) {
      const entries = await redis.lrange(key, 0, -1);
      await redis.del(key);
      if (entries.length) await redis.rpush(key, ...entries.map(back));
    }
  }
  const entries = await redis.xrange(k('all'), '-', '+');
  await redis.del(k('all'));
  for (const [entry, fields] of entries) await redis.xadd(k('all'), entry, 'i', back(fields[1]!));
  await redis.set(k('version'), '3');
}

/** A namespace with jobs in every index: listed, prioritized, scheduled, active, finished, keyed, logged. */
async function populate(url: string) {
  const fila = createFila({ store: url });
  const store = await fila.store();
  const jobs = await fila.enqueueMany(
    Array.from({ length: 1200 }, (_, i) => ({
      task: 'noop',
      payload: { i, text: 'line\nbreak | bar' },
      options: {
        queue: i % 2 ? 'a' : 'b',
        priority: i % 3 === 0 ? 0 : i % 3,
        key: i % 5 ? undefined : `k${i}`,
        ...(i % 7 === 0 ? { delay: 3_600_000 } : {}),
      },
    })),
  );
  const { jobs: claimed } = await store.jobClaim({
    queues: ['a'],
    limit: 6,
    leaseMs: 60_000,
    workerId: 'w|1',
  });
  const [done, failed, ...held] = claimed;
  await store.jobCompleteMany({ jobs: [{ id: done!.id, token: done!.token, result: '{"ok":1}' }] });
  await store.jobFailMany({
    jobs: [{ id: failed!.id, token: failed!.token, error: { name: 'E', message: 'no' }, retryDelayMs: null }],
  });
  await store.jobProgressMany({
    jobs: [{ id: held[0]!.id, token: held[0]!.token, percent: 50, message: 'half' }],
  });
  await store.jobLogAppend({ entries: [{ id: held[0]!.id, attempt: 1, message: 'hello' }] });
  await fila.cancel(jobs[10]!.id);
  const before = await store.jobGet({ ids: jobs.map((j) => j.id) });
  await fila.close();
  return { jobs, held, before };
}

/** Every job id in the namespace's hashes and sorted sets is in layout 4's form. */
async function expectAllStored(redis: Redis, prefix: string) {
  for (const hash of ['job', 'prog', 'res', 'lasterr', 'errs', 'jkey']) {
    expect((await redis.hkeys(`{${prefix}}:${hash}`)).filter((f) => f.length !== 22)).toEqual([]);
  }
  expect(Object.values(await redis.hgetall(`{${prefix}}:keys`)).filter((f) => f.length !== 22)).toEqual([]);
  let sets = 0;
  for (const key of await redis.keys(`{${prefix}}:*`)) {
    if ((await redis.type(key)) !== 'zset' || !(key.endsWith(':active') || /:q:.*:[rdcfx]$/.test(key)))
      continue;
    sets++;
    const idLength = key.endsWith(':r') ? 7 + 22 : 22; // a ready-set member is 7 seq digits and the id
    expect((await redis.zrange(key, 0, -1)).filter((m) => m.length !== idLength)).toEqual([]);
  }
  expect(sets).toBeGreaterThanOrEqual(6); // active; ready, delayed and finished sets of both queues
}

/** Checks that a converted namespace reads and runs as it did before. */
async function expectAsBefore(store: Store, populated: Awaited<ReturnType<typeof populate>>) {
  const { jobs, held, before } = populated;
  expect(await store.jobGet({ ids: jobs.map((j) => j.id) })).toEqual(before);
  const listed = await store.jobList({ filter: { task: 'noop' }, limit: 2000, order: 'asc' });
  expect(listed.jobs.map((j) => j.id)).toEqual(jobs.map((j) => j.id));
  // Lists by state read the state indexes themselves.
  for (const state of ['active', 'scheduled', 'completed', 'failed', 'cancelled'] as const) {
    const page = await store.jobList({ filter: { state }, limit: 2000, order: 'asc' });
    expect(page.jobs.map((j) => j.id)).toEqual(before.filter((j) => j.state === state).map((j) => j.id));
  }
  expect((await store.jobLogs({ id: held[0]!.id, limit: 10 })).map((l) => l.message)).toEqual(['hello']);
  // Leases taken before the conversion still fence; the rest claims in order.
  const lease = held[1]!;
  expect((await store.jobExtendLeases({ leases: [lease], leaseMs: 60_000 })).lost).toEqual([]);
  const finished = await store.jobCompleteMany({
    jobs: held.map((j) => ({ id: j.id, token: j.token, result: null })),
  });
  expect(finished.lost).toEqual([]);
  const next = await store.jobClaim({ queues: ['a', 'b'], limit: 2000, leaseMs: 60_000, workerId: 'w' });
  const waiting = before.filter((j) => j.state === 'queued');
  expect(next.jobs.map((j) => j.id).sort()).toEqual(waiting.map((j) => j.id).sort());
  expect(next.jobs[0]!.priority).toBe(2);
  // Dedup keys still name their jobs.
  const keyed = before.find((j) => j.key !== null && j.state === 'scheduled')!;
  const again = await store.jobInsertMany({ jobs: [{ ...plainJob(), key: keyed.key }] });
  expect(again[0]).toMatchObject({ outcome: 'existing', id: keyed.id });
}

describe.skipIf(skip)('redis store key layouts', () => {
  it('stores new jobs under 22-character ids with one-letter states, and any other id behind ~', () =>
    inNamespace(async (url, prefix, redis) => {
      const fila = createFila({ store: url });
      try {
        const store = await fila.store();
        const job = await fila.enqueue('send-email', { to: 'a@example.com' });
        const [field] = await redis.hkeys(`{${prefix}}:job`);
        expect(field).toBe(storedId(job.id));
        expect(field).toHaveLength(22);
        expect(publicId(field!)).toBe(job.id);
        expect(await redis.hget(`{${prefix}}:job`, field!)).toMatch(
          /^q\|.*\nsend-email \{"to":"a@example.com"\}$/,
        );
        expect(await redis.lrange(`{${prefix}}:q:default:l`, 0, -1)).toEqual([field]);
        // Stored ids sort as the UUIDs do.
        const ids = Array.from({ length: 200 }, () => plainJob().id).sort();
        expect(ids.map(storedId)).toEqual(ids.map(storedId).sort());
        // An id that is not a lowercase UUID round-trips too, apart from every converted one.
        const odd = { ...plainJob('job-1'), task: 'has space', key: 'k' };
        await store.jobInsertMany({ jobs: [odd] });
        expect(await redis.hexists(`{${prefix}}:job`, '~job-1')).toBe(1);
        expect((await store.jobGet({ ids: ['job-1'] }))[0]).toMatchObject({ id: 'job-1', task: 'has space' });
        const { jobs } = await store.jobClaim({
          queues: ['default'],
          limit: 5,
          leaseMs: 60_000,
          workerId: 'w',
        });
        expect(jobs.map((j) => j.id)).toEqual([job.id, 'job-1']);
        expect(await fila.getJob(job.id.toUpperCase())).toBeNull();
        // A task filter matches the task, not the start of another task's payload.
        await store.jobInsertMany({ jobs: [{ ...plainJob(), task: 'a', payload: '"x y"' }] });
        const spaced = await store.jobList({ filter: { task: 'a "x' }, limit: 10 });
        expect(spaced.jobs).toEqual([]);
        expect((await store.jobList({ filter: { task: 'a' }, limit: 10 })).jobs).toHaveLength(1);
      } finally {
        await fila.close();
      }
    }));

  it('opens a namespace of key layout 3 by moving every job to its short id; jobs run as before', () =>
    inNamespace(async (url, prefix, redis) => {
      const populated = await populate(url);
      await toLayout3(redis, prefix);
      expect((await redis.hkeys(`{${prefix}}:job`)).every((f) => f.length === 36)).toBe(true);
      const fila = createFila({ store: url });
      const store = await fila.store();
      expect(await redis.get(`{${prefix}}:version`)).toBe('4');
      expect(await redis.exists(`{${prefix}}:mig4`)).toBe(0);
      await expectAllStored(redis, prefix);
      await expectAsBefore(store, populated);
      await fila.close();
    }));

  it('a conversion to layout 4 cut short carries on at the next start', () =>
    inNamespace(async (url, prefix, redis) => {
      const populated = await populate(url);
      // Half the jobs moved, the version already raised, the marker still there; queue b is not
      // registered (its keys come through MOVED).
      await toLayout3(redis, prefix, (id) => id.charCodeAt(35) % 2 === 0);
      await redis.set(`{${prefix}}:version`, '4');
      await redis.set(`{${prefix}}:mig4`, '0');
      await redis.hdel(`{${prefix}}:queues`, 'b');
      // One slice by hand, as a start cut short would leave it: the marker then holds a cursor.
      const layout = new KeyLayout(prefix);
      for (;;) {
        const { keys, args } = layout.call(['a'], [], [`{${prefix}}:mig4`]);
        const reply = (await redis.eval(scripts.migrateLayout4, keys.length, ...keys, ...args)) as unknown;
        expect(reply).toEqual(['MOVED', 'b']);
        const again = layout.call(['a', 'b'], [], [`{${prefix}}:mig4`]);
        expect(
          await redis.eval(scripts.migrateLayout4, again.keys.length, ...again.keys, ...again.args),
        ).toBe('more');
        break;
      }
      expect(await redis.get(`{${prefix}}:mig4`)).not.toBe('0');
      const fila = createFila({ store: url });
      const store = await fila.store();
      expect(await redis.exists(`{${prefix}}:mig4`)).toBe(0);
      await expectAllStored(redis, prefix);
      await redis.hset(`{${prefix}}:queues`, 'b', '0'); // registered again, for lists that walk queues
      await expectAsBefore(store, populated);
      await fila.close();
    }));

  it('opens a namespace of key layout 1 by converting it, and the jobs read and run as before', () =>
    inNamespace(async (u, prefix, redis) => {
      const fila = createFila({ store: u });
      const store = await fila.store();
      const jobs = await fila.enqueueMany(
        Array.from({ length: 1200 }, (_, i) => ({
          task: 'noop',
          payload: { i, text: 'line\nbreak | bar' },
          options: { queue: i % 2 ? 'a' : 'b', priority: i % 3, key: i % 5 ? undefined : `k${i}` },
        })),
      );
      const { jobs: claimed } = await store.jobClaim({
        queues: ['a'],
        limit: 3,
        leaseMs: 60_000,
        workerId: 'w|1',
      });
      const before = await store.jobGet({ ids: jobs.map((j) => j.id) });
      await fila.close();
      await toLayout3(redis, prefix);
      // Write it back the way layout 1 kept it: the state string in `st`, the client's JSON alone in `job`.
      const job = `{${prefix}}:job`;
      const records = await redis.hgetall(job);
      const multi = redis.multi();
      for (const [id, record] of Object.entries(records)) {
        const newline = record.indexOf('\n');
        multi.hset(`{${prefix}}:st`, id, record.slice(0, newline)).hset(job, id, record.slice(newline + 1));
      }
      await multi.set(`{${prefix}}:version`, '1').exec();
      // A conversion cut short, then a layout-1 process still running that wrote one job's state again:
      // the next conversion takes the newer state string from `st` instead of stacking a second one.
      const [firstId, first] = Object.entries(records)[0]!;
      await redis.hset(
        job,
        firstId,
        `scheduled|0|0|0|0|0|x||0||||||\n${first.slice(first.indexOf('\n') + 1)}`,
      );

      const again = createFila({ store: u });
      const reopened = await again.store();
      expect(await redis.get(`{${prefix}}:version`)).toBe('4');
      expect(await redis.exists(`{${prefix}}:st`)).toBe(0);
      // Opened again: nothing left to convert, nothing changes.
      const third = createFila({ store: u });
      await third.store();
      await third.close();
      expect(await reopened.jobGet({ ids: jobs.map((j) => j.id) })).toEqual(before);
      // The leases taken before the conversion still fence; the rest of the backlog claims in order.
      const done = await reopened.jobCompleteMany({
        jobs: claimed.map((j) => ({ id: j.id, token: j.token, result: null })),
      });
      expect(done.lost).toEqual([]);
      expect(done.done.map((d) => d.state)).toEqual(['completed', 'completed', 'completed']);
      const next = await reopened.jobClaim({
        queues: ['a', 'b'],
        limit: 2000,
        leaseMs: 60_000,
        workerId: 'w',
      });
      expect(next.jobs).toHaveLength(1197);
      expect(next.jobs[0]!.priority).toBe(2);
      await again.close();
    }));
});
