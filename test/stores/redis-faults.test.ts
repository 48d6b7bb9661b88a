/**
 * Fault tests for the Redis store with real processes: a worker killed with SIGKILL in the middle of a
 * 10,000-job run, and a private Redis server (AOF, appendfsync always) restarted twice — once with
 * SHUTDOWN, once with kill -9 — while producers enqueue and workers run. The third proof the issue asks
 * for (8 processes racing on the same dedup keys) is in the conformance suite (test/stores/redis.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFila, type Fila } from '../../src/client/fila.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import type { Job } from '../../src/core/job.js';
import { dropStore } from '../../src/stores/open.js';
import { Child, sleep, waitFor } from '../../src/testkit/harness.js';
import { PrivateRedis, privateRedisUnavailable } from '../helpers/redis-server.js';
import { REDIS_URL, unavailable } from '../helpers/services.js';

const skip = await unavailable('redis');
const skipPrivate = privateRedisUnavailable();
const JOBS = 10_000;

/** Every job of `ids`, read in chunks. */
async function jobsOf(fila: Fila, ids: string[]): Promise<Map<string, Job>> {
  const store = await fila.store();
  const out = new Map<string, Job>();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const job of await store.jobGet({ ids: ids.slice(i, i + 1000) })) out.set(job.id, job);
  }
  return out;
}

async function completedCount(fila: Fila): Promise<number> {
  return (await fila.listQueues()).reduce((n, q) => n + q.counts.completed, 0);
}

/** How many `complete` reports each job got, over all children. */
function completions(children: Child[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const child of children)
    for (const m of child.messages)
      if (m.type === 'complete') counts.set(String(m.id), (counts.get(String(m.id)) ?? 0) + 1);
  return counts;
}

describe.skipIf(skip)('redis store under faults', () => {
  const children: Child[] = [];
  const spawn = (url: string, args: Record<string, unknown>) => {
    const child = new Child('worker', url, args);
    children.push(child);
    return child;
  };
  const stopChildren = async () => {
    const alive = children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
    for (const c of alive) c.kill();
    await Promise.all(alive.map((c) => c.exited));
  };
  afterAll(stopChildren);

  it('kill -9 of one of three workers mid-run: all 10,000 jobs completed, each exactly once', async () => {
    const url = `${REDIS_URL}?prefix=fila-faults-${randomBytes(6).toString('hex')}`;
    const fila = createFila({ store: url });
    try {
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i += 500) {
        const batch = await fila.enqueueMany(
          Array.from({ length: 500 }, (_, j) => ({ task: 'nap', payload: { ms: 3, n: i + j } })),
        );
        ids.push(...batch.map((j) => j.id));
      }
      const options = { concurrency: 25, lease: 2000, heartbeatInterval: 500, rescueInterval: 500 };
      const [victim, ...survivors] = [spawn(url, options), spawn(url, options), spawn(url, options)];
      const workers = [victim!, ...survivors];
      await Promise.all(workers.map((w) => w.next('ready', undefined, 30_000)));
      await waitFor(() => victim!.count('complete') >= 1500, 'the victim to complete 1,500 jobs', 60_000);
      // Kill it while it holds jobs it has started and not reported.
      await waitFor(
        () => victim!.count('start') > victim!.count('complete') + 5,
        'active jobs in the victim',
      );
      victim!.kill('SIGKILL');
      await victim!.exited;
      const killedAt = Date.now();

      await waitFor(async () => (await completedCount(fila)) === JOBS, 'all jobs completed', 90_000, 200);
      const jobs = await jobsOf(fila, ids);
      expect(jobs.size).toBe(JOBS);
      expect([...jobs.values()].every((j) => j.state === 'completed' && j.attempt === 1)).toBe(true);

      // The survivors' last reports are still on their way to us: wait for them.
      const ids3 = await Promise.all(workers.map(async (w) => String((await w.next('ready')).workerId)));
      await waitFor(() => {
        const reported = completions(survivors);
        return [...jobs.values()].every((j) => j.workerId === ids3[0] || reported.has(j.id));
      }, "the survivors' reports");
      // No job was reported complete twice, and each job's completion was accepted from exactly one
      // worker: the one the store names as its worker is the one that reported it.
      const counts = completions(workers);
      expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
      const reporter = new Map<string, string>();
      workers.forEach((w, i) => {
        for (const m of w.messages) if (m.type === 'complete') reporter.set(String(m.id), ids3[i]!);
      });
      const mismatched = [...jobs.values()].filter(
        (j) => reporter.has(j.id) && reporter.get(j.id) !== j.workerId,
      );
      expect(mismatched).toEqual([]);
      // Reports can be missing only from the victim (accepted by the store, killed before telling us).
      const unreported = [...jobs.values()].filter((j) => !reporter.has(j.id));
      expect(unreported.every((j) => j.workerId === ids3[0] && j.crashCount === 0)).toBe(true);
      // The jobs the victim held were rescued (one crash each) and completed by a survivor.
      const rescued = [...jobs.values()].filter((j) => j.crashCount === 1);
      expect(rescued.length).toBeGreaterThan(0);
      expect(rescued.every((j) => j.workerId === ids3[1] || j.workerId === ids3[2])).toBe(true);
      expect(Date.now() - killedAt).toBeLessThan(90_000);
    } finally {
      // Stop the workers first: a live one would register itself again after the drop.
      await stopChildren();
      await fila.close();
      await dropStore(url);
    }
  }, 180_000);

  describe.skipIf(skipPrivate)('a private Redis with appendfsync always, restarted mid-run', () => {
    const server = new PrivateRedis(26381);
    beforeAll(() => server.start(), 30_000);
    afterAll(() => server.stop(), 30_000);

    it('scripts are loaded again after SCRIPT FLUSH, and wake-ups survive a dropped subscription', async () => {
      const url = `${server.url}?prefix=fila-flush`;
      const fila = createFila({ store: url });
      const admin = new Redis(server.url);
      try {
        const store = await fila.store();
        let woken = 0;
        const stop = store.listen(() => woken++);
        await waitFor(
          async () =>
            Number(
              await admin.call('PUBSUB', 'NUMSUB', `{fila-flush}:ch:wake`).then((r) => (r as unknown[])[1]),
            ) === 1,
          'the subscription',
        );
        await fila.enqueue('noop', {});
        await admin.script('FLUSH');
        // The next call meets NOSCRIPT and sends the script's text again.
        expect(
          (await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 5000, workerId: 'w' })).jobs,
        ).toHaveLength(1);
        // Drop the subscriber connection: it reconnects and subscribes again on its own.
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
        await waitFor(
          async () =>
            Number(
              await admin.call('PUBSUB', 'NUMSUB', `{fila-flush}:ch:wake`).then((r) => (r as unknown[])[1]),
            ) === 1,
          'the subscription to come back',
          10_000,
        );
        await sleep(300); // the reconnection's own catch-up wake-up is not what this test is after
        woken = 0;
        const other = createFila({ store: url });
        await other.enqueue('noop', {});
        await other.close();
        await waitFor(() => woken > 0, 'a wake-up from another client', 5000);
        stop();
      } finally {
        admin.disconnect();
        await fila.close();
      }
    });

    it('SHUTDOWN and kill -9 while producers enqueue: no accepted job lost, workers reconnect, enqueue fails fast while down', async () => {
      const url = `${server.url}?prefix=fila-restart`;
      const fila = createFila({ store: url });
      const options = { concurrency: 20, lease: 3000, heartbeatInterval: 1000, rescueInterval: 500 };
      const workers = [spawn(url, options), spawn(url, options)];
      await Promise.all(workers.map((w) => w.next('ready', undefined, 30_000)));

      const accepted: string[] = [];
      const refusals: { error: unknown; ms: number }[] = [];
      let producing = true;
      const produce = async () => {
        let n = 0;
        while (producing && accepted.length < JOBS) {
          const started = Date.now();
          try {
            const batch = await fila.enqueueMany(
              Array.from({ length: 10 }, () => ({ task: 'nap', payload: { ms: 1, n: n++ } })),
            );
            accepted.push(...batch.map((j) => j.id));
          } catch (error) {
            refusals.push({ error, ms: Date.now() - started });
            await sleep(100);
          }
          await sleep(8);
        }
      };
      // Two producers, as two request handlers of one app would be.
      const producers = Promise.all([produce(), produce()]);

      /** Restarts the server after `stop`, and returns how long the workers took to complete a job again. */
      const restart = async (stop: () => Promise<void>) => {
        await stop();
        await sleep(1500); // down for a while: producers and workers meet the outage
        await server.start();
        const up = Date.now();
        const before = workers.map((w) => w.count('complete'));
        await waitFor(
          () => workers.some((w, i) => w.count('complete') > before[i]!),
          'a worker to complete a job after the restart',
          30_000,
          50,
        );
        return Date.now() - up;
      };

      try {
        await waitFor(() => accepted.length >= 3000, '3,000 accepted jobs', 60_000);
        const afterShutdown = await restart(() => server.shutdown());
        await waitFor(() => accepted.length >= 6000, '6,000 accepted jobs', 60_000);
        const afterKill = await restart(() => server.kill());
        await producers;
        expect(accepted.length).toBeGreaterThanOrEqual(JOBS);
        expect(afterShutdown).toBeLessThan(30_000);
        expect(afterKill).toBeLessThan(30_000);

        // Enqueues made while the server was down failed with StoreUnavailableError, quickly.
        expect(refusals.length).toBeGreaterThan(0);
        expect(refusals.every((r) => r.error instanceof StoreUnavailableError)).toBe(true);
        expect(Math.max(...refusals.map((r) => r.ms))).toBeLessThan(10_000);

        // Every accepted job is still there, and each one runs to completion.
        await waitFor(
          async () => {
            const jobs = await jobsOf(fila, accepted);
            return jobs.size === accepted.length && [...jobs.values()].every((j) => j.state === 'completed');
          },
          'every accepted job completed',
          90_000,
          500,
        );
        // And none was completed twice (a report whose reply was lost in the outage is refused when resent).
        expect([...completions(workers).values()].filter((n) => n > 1)).toEqual([]);
      } finally {
        producing = false;
        await producers.catch(() => {});
        await fila.close();
      }
    }, 240_000);

    it('a frozen server (SIGSTOP) fails commands after commandTimeoutMs, and the store carries on after', async () => {
      const url = `${server.url}?prefix=fila-frozen&commandTimeoutMs=1000`;
      const fila = createFila({ store: url });
      const admin = new Redis(server.url);
      const pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))![1]);
      try {
        const store = await fila.store();
        const job = await fila.enqueue('noop', {});
        // The socket stays open and the kernel keeps accepting bytes: only a timeout can notice.
        process.kill(pid, 'SIGSTOP');
        const started = Date.now();
        const error = await store.jobGet({ ids: [job.id] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(Date.now() - started).toBeLessThan(3000);
        process.kill(pid, 'SIGCONT');
        expect((await store.jobGet({ ids: [job.id] })).map((j) => j.id)).toEqual([job.id]);
      } finally {
        process.kill(pid, 'SIGCONT');
        admin.disconnect();
        await fila.close();
      }
    }, 30_000);
  });
});
