/**
 * Conformance: the event log (order, resume after an id, head, wake-ups across processes, pruning),
 * API tokens (stored by hash, revocable), the worker registry (expiry), and the health figures of
 * queues (oldest queued job, stuck jobs).
 */
import { describe, expect } from 'vitest';
import type { NewEvent } from '../core/store.js';
import type { ConformanceTest } from './conformance.js';
import { sleep, waitFor } from './harness.js';

const event = (n: number, tenant: string | null = null): NewEvent => ({
  type: 'job:progress',
  jobId: `job-${n}`,
  queue: 'q',
  task: 't',
  tenant,
  data: { percent: n },
});

export function registryTests(test: ConformanceTest): void {
  describe('event log, tokens, worker registry, queue health', () => {
    test('events are read back in order, resumably from any id, across batches', async (s) => {
      const store = await s.client().store();
      expect(await store.eventHead()).toBeNull();
      expect(await store.eventRead({ after: null, limit: 10 })).toEqual({ events: [], cursor: null });
      await store.eventAppend({ events: [event(1), event(2, 'acme')] });
      await store.eventAppend({ events: [event(3)] });
      await store.eventAppend({ events: Array.from({ length: 150 }, (_, i) => event(4 + i)) });
      const all = await store.eventRead({ after: null, limit: 1000 });
      expect(all.events.map((e) => (e.data as { percent: number }).percent)).toEqual(
        Array.from({ length: 153 }, (_, i) => i + 1),
      );
      expect(all.events[1]).toMatchObject({
        type: 'job:progress',
        jobId: 'job-2',
        queue: 'q',
        task: 't',
        tenant: 'acme',
      });
      expect(new Set(all.events.map((e) => e.id)).size).toBe(153);
      expect(all.cursor).toBe(all.events.at(-1)!.id);
      expect(await store.eventHead()).toBe(all.cursor);
      expect(all.events.every((e) => typeof e.at === 'number' && Math.abs(e.at - Date.now()) < 60_000)).toBe(
        true,
      );
      // Resume after any event, in pages.
      const page1 = await store.eventRead({ after: all.events[0]!.id, limit: 2 });
      expect(page1.events.map((e) => e.jobId)).toEqual(['job-2', 'job-3']);
      const page2 = await store.eventRead({ after: page1.cursor, limit: 200 });
      expect(page2.events).toHaveLength(150);
      expect(await store.eventRead({ after: all.cursor, limit: 10 })).toEqual({
        events: [],
        cursor: all.cursor,
      });
    });

    test('an event appended by another process wakes an event listener', async (s) => {
      const store = await s.client().store();
      await store.eventAppend({ events: [event(0)] });
      const head = await store.eventHead();
      let woken = 0;
      const stop = store.eventListen(() => woken++);
      const producer = s.child('append-event', { event: event(1) });
      await producer.next('ready', undefined, 30_000);
      woken = 0;
      producer.send({ type: 'go' });
      await producer.next('done');
      await waitFor(() => woken > 0, 'a wake-up for the event appended by the other process', 5000);
      const next = await store.eventRead({ after: head, limit: 10 });
      expect(next.events.map((e) => e.jobId)).toEqual(['job-1']);
      stop();
    });

    test('old events are pruned', async (s) => {
      const store = await s.client().store();
      await store.eventAppend({ events: [event(1)] });
      await sleep(60);
      await store.eventAppend({ events: [event(2)] });
      expect((await store.eventPrune({ olderThanMs: 40 })).removed).toBeGreaterThanOrEqual(1);
      expect((await store.eventRead({ after: null, limit: 10 })).events.map((e) => e.jobId)).toEqual([
        'job-2',
      ]);
    });

    test("events appended after everything was pruned still come after a reader's cursor", async (s) => {
      const store = await s.client().store();
      await store.eventAppend({ events: [event(1), event(2)] });
      const head = await store.eventHead();
      await sleep(5);
      await store.eventPrune({ olderThanMs: 0 }); // an idle hour: every event is old
      await store.eventAppend({ events: [event(3)] });
      const next = await store.eventRead({ after: head, limit: 10 });
      expect(next.events.map((e) => e.jobId)).toEqual(['job-3']);
    });

    test('tokens are stored by hash, listed without it, and revocable', async (s) => {
      const store = await s.client().store();
      const created = await store.tokenCreate({
        token: { id: 'tok1', role: 'operator', tenant: 'acme', name: 'ci' },
        secretHash: 'h1',
      });
      expect(created).toMatchObject({ id: 'tok1', role: 'operator', tenant: 'acme', name: 'ci' });
      await store.tokenCreate({
        token: { id: 'tok2', role: 'admin', tenant: null, name: null },
        secretHash: 'h2',
      });
      expect(await store.tokenGet({ id: 'tok1' })).toMatchObject({
        id: 'tok1',
        role: 'operator',
        tenant: 'acme',
        secretHash: 'h1',
      });
      const list = await store.tokenList();
      expect(list.map((t) => t.id)).toEqual(['tok1', 'tok2']);
      expect(list.every((t) => !('secretHash' in t))).toBe(true);
      expect(await store.tokenRevoke({ id: 'tok1' })).toEqual({ revoked: true });
      expect(await store.tokenRevoke({ id: 'tok1' })).toEqual({ revoked: false });
      expect(await store.tokenGet({ id: 'tok1' })).toBeNull();
    });

    test('the worker registry lists live workers and forgets expired or removed ones', async (s) => {
      const store = await s.client().store();
      const info = (id: string) => ({
        id,
        kind: 'worker' as const,
        host: 'h',
        pid: 1,
        queues: ['q'],
        concurrency: 2,
        activeJobs: ['j1'],
        startedAt: Date.now(),
        version: 'x',
      });
      await store.workerBeat({ worker: info('w1'), ttlMs: 60_000 });
      await store.workerBeat({ worker: info('w2'), ttlMs: 150 });
      expect((await store.workerList()).map((w) => w.id)).toEqual(['w1', 'w2']);
      expect((await store.workerList())[0]).toMatchObject({
        kind: 'worker',
        queues: ['q'],
        activeJobs: ['j1'],
        lastSeenAt: expect.any(Number),
      });
      await sleep(250);
      expect((await store.workerList()).map((w) => w.id)).toEqual(['w1']);
      await store.workerRemove({ id: 'w1' });
      expect(await store.workerList()).toEqual([]);
      // A running worker registers itself, and leaves on stop.
      const fila = s.client();
      const worker = fila.worker({ tasks: [], queues: ['q'], handleSignals: false });
      await worker.start();
      await waitFor(
        async () => (await store.workerList()).some((w) => w.id === worker.id),
        'the worker to register',
      );
      await worker.stop();
      expect(await store.workerList()).toEqual([]);
    });

    test('queues report their oldest queued job and their stuck jobs', async (s) => {
      const fila = s.client();
      const store = await fila.store();
      const first = await fila.enqueue('noop', {}, { queue: 'health' });
      await fila.enqueue('noop', {}, { queue: 'health' });
      await fila.enqueue('noop', {}, { queue: 'other' });
      const queues = await fila.listQueues();
      expect(queues.find((q) => q.name === 'health')).toMatchObject({
        oldestQueuedAt: first.runAt.getTime(),
        stuck: 0,
      });
      await store.jobClaim({ queues: ['other'], limit: 1, leaseMs: 50, workerId: 'gone' });
      await sleep(100);
      expect((await fila.listQueues()).find((q) => q.name === 'other')).toMatchObject({
        stuck: 1,
        oldestQueuedAt: null,
      });
      expect((await fila.listQueues({ tenant: 'nobody' })).length).toBe(0);
    });
  });
}
