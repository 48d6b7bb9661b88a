/**
 * Live streams with a worker in another process: the progress a child worker reports reaches SSE
 * clients of this server through the store's event log, in order; the per-job stream ends when the job
 * completes; Last-Event-ID resumes without loss or repetition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child } from '../../src/testkit/harness.js';
import { readSse, startServer, type ServerFixture, type SseEvent, serverStores } from './helpers.js';

describe.each(await serverStores())('%s store', (kind) => {
  let s: ServerFixture;
  let worker: Child;

  beforeAll(async () => {
    s = await startServer(kind);
    worker = new Child('worker', s.storeUrl, { concurrency: 4, queues: ['default', 'reports'] });
    await worker.next('ready', undefined, 30_000);
  }, 40_000);
  afterAll(async () => {
    worker.kill('SIGTERM');
    await worker.exited;
    await s.close();
  });

  interface Payload {
    type: string;
    jobId: string;
    task: string;
    data: { percent?: number; message?: string } | null;
  }
  const parse = (e: SseEvent) => JSON.parse(e.data) as Payload;
  const progress = (events: SseEvent[]) =>
    events.filter((e) => e.event === 'job:progress').map((e) => parse(e).data!.message);
  const steps = (n: number) => Array.from({ length: n }, (_, i) => `step ${i + 1} of ${n}`);

  describe('SSE from a worker in another process', () => {
    it('the per-job stream carries the job, every progress event in order and the log, then ends at completion', async () => {
      const job = await s.fila.enqueue('steps', { n: 20, ms: 25 }, { delay: 300 });
      const response = await s.call('GET', `/api/v1/jobs/${job.id}/events`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const { events, ended } = await readSse(response, () => false, 20_000);
      expect(ended).toBe(true);
      expect(events[0]).toMatchObject({ event: 'job' });
      expect(JSON.parse(events[0]!.data)).toMatchObject({ id: job.id, state: 'scheduled' });
      // The enqueue event (published by this process, in its next batch) may follow the snapshot.
      const types = events
        .slice(1)
        .map((e) => e.event)
        .filter((t) => t !== 'job:enqueue');
      expect(types[0]).toBe('job:start');
      expect(types.at(-1)).toBe('job:complete');
      expect(progress(events)).toEqual(steps(20));
      const percents = events.filter((e) => e.event === 'job:progress').map((e) => parse(e).data!.percent!);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(events.filter((e) => e.event === 'job:log').map((e) => parse(e).data!.message)).toEqual([
        'done',
      ]);
      // Event ids increase, so a client can resume from any of them.
      const ids = events.slice(1).map((e) => e.id!);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(await s.fila.getJob(job.id)).toMatchObject({ state: 'completed', result: { steps: 20 } });
    }, 30_000);

    it('Last-Event-ID resumes after the given event, without loss or repetition', async () => {
      const job = await s.fila.enqueue('steps', { n: 10, ms: 10 });
      const first = await readSse(await s.call('GET', `/api/v1/jobs/${job.id}/events`), () => false, 20_000);
      expect(first.ended).toBe(true);
      const live = first.events.slice(1);
      const cut = live.findIndex(
        (e) => e.event === 'job:progress' && parse(e).data!.message === 'step 4 of 10',
      );
      expect(cut).toBeGreaterThan(0);

      const resumed = await readSse(
        await s.call('GET', `/api/v1/jobs/${job.id}/events`, {
          headers: { 'last-event-id': live[cut]!.id! },
        }),
        () => false,
        10_000,
      );
      expect(resumed.ended).toBe(true);
      expect(resumed.events.map((e) => e.id)).toEqual(live.slice(cut + 1).map((e) => e.id));
      expect(progress(resumed.events)).toEqual(steps(10).slice(4));

      // The same through ?after= (EventSource cannot set headers on its first request).
      const viaQuery = await readSse(
        await s.call('GET', `/api/v1/jobs/${job.id}/events?after=${encodeURIComponent(live[cut]!.id!)}`),
        () => false,
        10_000,
      );
      expect(viaQuery.events.map((e) => e.id)).toEqual(resumed.events.map((e) => e.id));
    }, 30_000);

    it('a bare fetch handler (no Node server) streams the same events', async () => {
      const job = await s.fila.enqueue('steps', { n: 5, ms: 10 }, { delay: 200 });
      const response = await s.server.fetch(
        new Request(`${s.url}/api/v1/jobs/${job.id}/events`, {
          headers: { authorization: `Bearer ${s.tokens.reader}` },
        }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const { events, ended } = await readSse(response, () => false, 20_000);
      expect(ended).toBe(true);
      expect(events[0]).toMatchObject({ event: 'job' });
      expect(progress(events)).toEqual(steps(5));
      expect(events.at(-1)).toMatchObject({ event: 'job:complete' });
    }, 30_000);

    it('a finished job’s stream sends the job and ends at once', async () => {
      const job = await s.fila.enqueue('noop', {});
      await expect
        .poll(async () => (await s.fila.getJob(job.id))?.state, { timeout: 10_000 })
        .toBe('completed');
      const { events, ended } = await readSse(
        await s.call('GET', `/api/v1/jobs/${job.id}/events`),
        () => false,
        5_000,
      );
      expect(ended).toBe(true);
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.data)).toMatchObject({ state: 'completed' });
    });

    it('the all-events stream filters by task and queue, and resumes with Last-Event-ID', async () => {
      const response = await s.call('GET', '/api/v1/events?task=steps&queue=reports');
      // The enqueue event comes from this process's publisher, which batches its appends, so it may
      // reach the log after the worker's events: read until both have arrived.
      const done = (events: SseEvent[]) =>
        events.some((e) => e.event === 'job:complete') && events.some((e) => e.event === 'job:enqueue');
      const reading = readSse(response, done, 20_000);
      await s.fila.enqueue('noop', {}, { queue: 'reports' });
      await s.fila.enqueue('steps', { n: 3, ms: 5 });
      const wanted = await s.fila.enqueue('steps', { n: 3, ms: 5 }, { queue: 'reports' });
      const { events } = await reading;
      expect(events.every((e) => parse(e).jobId === wanted.id)).toBe(true);
      // Events from one process keep their order: the worker's arrive as it emitted them.
      expect(events.filter((e) => e.event === 'job:enqueue')).toHaveLength(1);
      expect(events.map((e) => e.event).filter((t) => t !== 'job:enqueue')).toEqual([
        'job:start',
        'job:progress',
        'job:progress',
        'job:progress',
        'job:log',
        'job:complete',
      ]);
      const again = await readSse(
        await s.call('GET', '/api/v1/events?task=steps&queue=reports', {
          headers: { 'last-event-id': events[1]!.id! },
        }),
        (got) => got.length >= 5,
        10_000,
      );
      expect(again.events.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
    }, 30_000);
  });
});
