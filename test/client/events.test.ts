/**
 * Events a client and its workers publish to the store's shared log (read by servers for SSE streams,
 * metrics and health) name the job's queue, task and tenant, whichever way the job changed, so streams
 * filtered by any of them see it. On a real SQLite store, with the publisher told a server consumes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFila, defineTask, type Fila } from '../../src/index.js';
import type { StoredEvent } from '../../src/core/store.js';
import { sleep, waitFor } from '../../src/testkit/harness.js';

let dir: string;
let fila: Fila;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-events-'));
  fila = createFila({ store: `sqlite://${join(dir, 'fila.db')}` });
  fila.publisher.setWanted(true);
});
afterEach(async () => {
  await fila.close();
  rmSync(dir, { recursive: true, force: true });
});

async function events(type: string): Promise<StoredEvent[]> {
  const { events } = await (await fila.store()).eventRead({ after: null, limit: 1000 });
  return events.filter((e) => e.type === type);
}

const where = (e: StoredEvent) => [e.jobId, e.queue, e.task, e.tenant];

describe('published events', () => {
  it('bulk cancel, bulk retry and remove publish an event per job, naming its queue, task and tenant', async () => {
    const a = await fila.enqueue('sync', {}, { queue: 'imports', tenant: 'acme', delay: '1h' });
    const b = await fila.enqueue('sync', {}, { queue: 'imports', tenant: 'acme', delay: '1h' });
    expect(await fila.cancelMany({ queue: 'imports' })).toEqual({ cancelled: 2, requested: 0 });
    const expected = [a, b].map((j) => [j.id, 'imports', 'sync', 'acme']);
    await waitFor(async () => (await events('job:cancel')).length === 2, 'two cancel events');
    expect((await events('job:cancel')).map(where)).toEqual(expected);
    expect(await fila.retryMany({ state: 'cancelled' })).toEqual({ retried: 2 });
    await waitFor(async () => (await events('job:redrive')).length === 2, 'two redrive events');
    expect((await events('job:redrive')).map(where)).toEqual(expected);
    await fila.cancel(a.id);
    await fila.remove(a.id);
    await waitFor(async () => (await events('job:remove')).length === 1, 'a remove event');
    expect((await events('job:remove')).map(where)).toEqual([expected[0]]);
  });

  it("a worker's rescue publishes the rescued job's queue, task and tenant with its new state", async () => {
    const store = await fila.store();
    const job = await fila.enqueue('export', {}, { queue: 'reports', tenant: 'acme' });
    // A worker that crashed: its lease (200 ms) ran out.
    await store.jobClaim({ queues: ['reports'], limit: 1, leaseMs: 200, workerId: 'gone' });
    await sleep(300);
    const task = defineTask({ name: 'export', queue: 'reports', handler: () => 'done' });
    const worker = fila.worker({ tasks: [task], rescueInterval: 100, handleSignals: false });
    await worker.start();
    await waitFor(async () => (await events('job:rescue')).length === 1, 'a rescue event');
    const [rescued] = await events('job:rescue');
    expect(where(rescued!)).toEqual([job.id, 'reports', 'export', 'acme']);
    expect(rescued!.data).toEqual({ state: 'queued' });
    await worker.stop({ grace: 0 });
  });

  it('close() waits until the events of a bulk operation are published', async () => {
    const other = createFila({ store: `sqlite://${join(dir, 'fila.db')}` });
    other.publisher.setWanted(true);
    await other.enqueue('sync', {}, { delay: '1h' });
    await other.enqueue('sync', {}, { delay: '1h' });
    await other.cancelMany({ task: 'sync' });
    await other.close(); // at once, as a CLI command does
    expect(await events('job:cancel')).toHaveLength(2);
  });
});
