/**
 * How event streams end, resume and let go: a job that lease rescue moves to a final state ends its
 * stream; a resume of a finished job answers 204 (which stops a browser's EventSource); a resume too
 * far back is refused with 410 rather than read into memory; a resume from an event this server has
 * not dispatched yet sends each event once; and every way a stream ends (including a client that
 * leaves before its stream starts, or stops reading) leaves nothing subscribed and no socket held.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFila } from '../../src/index.js';
import type { NewEvent } from '../../src/core/store.js';
import { MAX_REPLAY } from '../../src/server/hub.js';
import { Child } from '../../src/testkit/harness.js';
import { noop } from '../../src/testkit/tasks.js';
import { readSse, startServer, type ServerFixture, serverStores } from './helpers.js';

const event = (queue: string, data: Record<string, unknown> | null = null): NewEvent => ({
  type: 'job:log',
  jobId: null,
  queue,
  task: null,
  tenant: null,
  data,
});

describe.each(await serverStores())('%s store', (kind) => {
  let s: ServerFixture;

  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  it('a job that lease rescue fails (its worker died) ends its stream with the job:rescue event', async () => {
    const crashing = new Child('worker', s.storeUrl, { queues: ['crashy'], lease: 1000 });
    const rescuer = s.fila.worker({
      tasks: [noop],
      queues: ['rescuer-serves-nothing'],
      rescueInterval: 100,
      maxCrashes: 1,
      handleSignals: false,
    });
    try {
      await crashing.next('ready', undefined, 30_000);
      const job = await s.fila.enqueue('hang', {}, { queue: 'crashy' });
      await crashing.next('start', (m) => m.id === job.id);
      const stream = await s.call('GET', `/api/v1/jobs/${job.id}/events`);
      expect(stream.status).toBe(200);
      crashing.process.kill('SIGKILL');
      await crashing.exited;
      await rescuer.start();
      const { events, ended } = await readSse(stream, () => false, 15_000);
      expect(ended).toBe(true);
      expect(events.at(-1)).toMatchObject({ event: 'job:rescue' });
      expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ jobId: job.id, data: { state: 'failed' } });
      expect(await s.fila.getJob(job.id)).toMatchObject({ state: 'failed', crashCount: 1 });
    } finally {
      crashing.process.kill('SIGKILL');
      await rescuer.stop();
    }
  }, 40_000);

  it('a resume of a finished job from its final event answers 204; from before it, the rest and the end', async () => {
    const worker = s.fila.worker({ tasks: [noop], queues: ['finishing'], handleSignals: false });
    await worker.start();
    try {
      const job = await s.fila.enqueue('noop', {}, { queue: 'finishing', delay: 200 });
      const live = await readSse(await s.call('GET', `/api/v1/jobs/${job.id}/events`), () => false, 10_000);
      expect(live.ended).toBe(true);
      const final = live.events.at(-1)!;
      expect(final.event).toBe('job:complete');
      const start = live.events.find((e) => e.event === 'job:start')!;
      const resume = (after: string) =>
        s.call('GET', `/api/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': after } });

      const rest = await readSse(await resume(start.id!), () => false, 5_000);
      expect(rest.ended).toBe(true);
      expect(rest.events.at(-1)!.id).toBe(final.id);
      // A browser's EventSource reconnects after the stream ends; 204 tells it to stop. Right after the
      // job ends the server still answers 200 (its final event could be on the way), so poll.
      await expect
        .poll(async () => (await resume(final.id!)).status, { timeout: 6_000, interval: 250 })
        .toBe(204);
      const again = await resume(final.id!);
      expect(again.status).toBe(204);
      expect(await again.text()).toBe('');
    } finally {
      await worker.stop();
    }
  }, 20_000);

  it(`a resume more than ${MAX_REPLAY} events back answers 410 replay_too_long, whatever the filter`, async () => {
    const store = await s.fila.store();
    const marker = readSse(await s.call('GET', '/api/v1/events?queue=flood-end'), (got) => got.length > 0);
    await store.eventAppend({ events: [event('flood-start')] });
    const before = (await store.eventHead())!;
    await store.eventAppend({ events: Array.from({ length: MAX_REPLAY + 1 }, () => event('flood')) });
    await store.eventAppend({ events: [event('flood-end')] });
    // Once the server's tail has passed the flood, a resume from before it must replay it.
    expect((await marker).events).toHaveLength(1);

    const refused = await s.call('GET', '/api/v1/events?queue=nothing-matches', {
      headers: { 'last-event-id': before },
    });
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({
      error: { code: 'replay_too_long', message: expect.stringMatching(/without Last-Event-ID/) },
    });
    const parked = await s.fila.enqueue('noop', {}, { queue: 'parked', delay: '1h' });
    expect((await s.call('GET', `/api/v1/jobs/${parked.id}/events?after=${before}`)).status).toBe(410);

    // A little less far back resumes, with the flood in order.
    const near = (await store.eventRead({ after: before, limit: 101 })).events.at(-1)!;
    const resumed = await s.call('GET', '/api/v1/events?queue=flood', {
      headers: { 'last-event-id': near.id },
    });
    expect(resumed.status).toBe(200);
    const { events } = await readSse(resumed, (got) => got.length >= MAX_REPLAY - 100, 20_000);
    expect(events).toHaveLength(MAX_REPLAY - 100);
    expect(events[0]!.id).toBe((await store.eventRead({ after: near.id, limit: 1 })).events[0]!.id);
  }, 40_000);

  it('a resume from events this server has not dispatched yet sends each event once', async () => {
    // Another client's appends do not wake this server's tail at once: the tail is behind `after`.
    const other = createFila({ store: s.storeUrl });
    try {
      const appender = await other.store();
      const before = await appender.eventHead();
      await appender.eventAppend({ events: [1, 2, 3, 4].map((n) => event('behind', { n })) });
      const appended = (await appender.eventRead({ after: before, limit: 100 })).events.filter(
        (e) => e.queue === 'behind',
      );
      const got: unknown[] = [];
      const unsubscribe = await s.server.hub.subscribe(
        { matches: (e) => e.queue === 'behind', send: (e) => got.push(e.data) },
        appended[1]!.id,
      );
      try {
        await appender.eventAppend({ events: [event('behind', { n: 5 })] });
        await expect.poll(() => got.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
        // Let the tail pass over all of them (it polls every second), then count.
        await new Promise((r) => setTimeout(r, 1_500));
        expect(got).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
      } finally {
        unsubscribe();
      }
    } finally {
      await other.close();
    }
  }, 20_000);
});

describe('sqlite store: streams let go', () => {
  let s: ServerFixture;

  beforeAll(async () => {
    s = await startServer('sqlite');
  });
  afterAll(async () => {
    await s.close();
  });

  const subscribers = () => s.server.hub.subscriberCount;

  it('a client that left before its stream started leaves nothing subscribed', async () => {
    const job = await s.fila.enqueue('noop', {}, { queue: 'parked', delay: '1h' });
    // The host may never read nor cancel the body of a request whose client is gone.
    for (const path of [`/api/v1/jobs/${job.id}/events`, '/api/v1/events']) {
      await s.server.fetch(
        new Request(`${s.url}${path}`, {
          headers: { authorization: `Bearer ${s.tokens.reader}` },
          signal: AbortSignal.abort(),
        }),
      );
    }
    expect(subscribers()).toBe(0);
  });

  it('every stream that ends unsubscribes: job ended, client cancelled, resume refused', async () => {
    const done = await s.fila.enqueue('noop', {}, { queue: 'parked', delay: '1h' });
    await s.fila.cancel(done.id);
    expect((await readSse(await s.call('GET', `/api/v1/jobs/${done.id}/events`))).ended).toBe(true);
    const open = await s.call('GET', '/api/v1/events');
    expect(subscribers()).toBe(1);
    await open.body!.cancel();
    expect((await s.call('GET', '/api/v1/events?after=garbage')).status).toBe(400);
    await expect.poll(subscribers).toBe(0);
  });

  it('a client that stops reading is dropped at 1 MiB waiting: its connection is destroyed, not ended', async () => {
    const url = new URL(`${s.url}/api/v1/events?queue=flood-node`);
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      request(url, { headers: { authorization: `Bearer ${s.tokens.reader}` } }, resolve)
        .on('error', reject)
        .end(),
    );
    expect(response.statusCode).toBe(200);
    response.pause();
    response.on('error', () => {}); // the drop surfaces as "aborted"
    expect(subscribers()).toBe(1);
    // 64 KiB events until the server gives up on this client (the socket's buffers fill first).
    const store = await s.fila.store();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 60 && subscribers() > 0; i++) {
      await store.eventAppend({ events: Array.from({ length: 10 }, () => event('flood-node', { big })) });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(subscribers()).toBe(0);
    // Ending the response would have kept the socket until the client read the whole backlog; the
    // client finds the response cut off instead.
    response.resume();
    await new Promise((r) => response.once('close', r));
    expect(response.complete).toBe(false);
  }, 30_000);

  it('a fetch-handler client that stops reading is dropped after 2,000 waiting frames, its backlog discarded', async () => {
    const response = await s.server.fetch(
      new Request(`${s.url}/api/v1/events?queue=flood-web`, {
        headers: { authorization: `Bearer ${s.tokens.reader}` },
      }),
    );
    expect(subscribers()).toBe(1);
    const store = await s.fila.store();
    await store.eventAppend({ events: Array.from({ length: 2500 }, () => event('flood-web')) });
    await expect.poll(subscribers).toBe(0);
    await expect(readSse(response, () => false, 5_000)).rejects.toThrow(/too far behind/);
  });
});
