/**
 * Client checks and lifecycle that do not depend on the store (on a real SQLite store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createFila, defineTask, PayloadValidationError, type Fila } from '../../src/index.js';
import { waitForState } from '../../src/testkit/harness.js';

let dir: string;
let fila: Fila;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-enqueue-'));
  fila = createFila({ store: `sqlite://${join(dir, 'fila.db')}` });
});
afterEach(async () => {
  await fila.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('enqueue', () => {
  it('checks the payload as the worker will read it back from JSON', async () => {
    // A Date passes z.date() in memory but is stored as a string: refused at enqueue, not failed later.
    const remind = defineTask({
      name: 'remind',
      schema: z.object({ at: z.date() }),
      handler: (p) => p.at.toISOString(),
    });
    const error = await fila.enqueue(remind, { at: new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).issues[0]!.path).toBe('at');
    expect((await fila.listJobs({})).jobs).toEqual([]);
    // What JSON carries as it is passes, and runs.
    const count = defineTask({ name: 'count', schema: z.object({ n: z.number() }), handler: (p) => p.n + 1 });
    const worker = fila.worker({ tasks: [count], handleSignals: false });
    await worker.start();
    const job = await fila.enqueue(count, { n: 41 });
    expect(await waitForState(fila, job.id, 'completed')).toMatchObject({ result: 42 });
    await worker.stop({ grace: 0 });
  });

  it('enqueueMany takes tx once, for the whole batch, and refuses options it does not know', async () => {
    await expect(
      fila.enqueueMany([{ task: 'noop', payload: {}, options: { tx: {} } as never }]),
    ).rejects.toThrow(/enqueueMany\[0\]\.options\.tx: give tx once/);
    await expect(
      fila.enqueueMany([{ task: 'noop', payload: {} }], { transaction: {} } as never),
    ).rejects.toThrow(/enqueueMany: unknown option "transaction"/);
    expect((await fila.listJobs({})).jobs).toEqual([]);
  });

  it('a second close() ends when the first does, not before', async () => {
    const slow = defineTask({
      name: 'slow',
      handler: async (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
    });
    const worker = fila.worker({ tasks: [slow], handleSignals: false });
    await worker.start();
    const job = await fila.enqueue(slow, null);
    await waitForState(fila, job.id, 'active');
    const first = fila.close({ grace: 300 });
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await fila.close();
    expect(firstDone).toBe(true);
  });

  it('a second stop() with no grace cuts the wait short even before the first has reached it', async () => {
    const slow = defineTask({
      name: 'slow',
      handler: async (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
    });
    const worker = fila.worker({ tasks: [slow], shutdownGrace: '30s', handleSignals: false });
    await worker.start();
    const job = await fila.enqueue(slow, null);
    await waitForState(fila, job.id, 'active');
    const started = Date.now();
    void worker.stop(); // 30 s of grace
    await worker.stop({ grace: 0 }); // at once: the second SIGINT does this
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await fila.getJob(job.id))!.state).toBe('queued');
  });

  it('runAt takes a Date, epoch ms (a number or digits) or an ISO 8601 string, and nothing looser', async () => {
    const at = Date.UTC(2030, 0, 2, 3, 4, 5);
    for (const runAt of [new Date(at), at, String(at), '2030-01-02T03:04:05Z', '2030-01-02T04:04:05+01:00']) {
      expect((await fila.enqueue('noop', {}, { runAt })).runAt.getTime()).toBe(at);
    }
    for (const runAt of ['in 5 minutes', 'tomorrow', '2030-13-45', 'Jan 2 2030', '1e12']) {
      await expect(fila.enqueue('noop', {}, { runAt }), runAt).rejects.toThrow(/runAt: expected a Date/);
    }
  });

  it('refuses a dedup key with a lone surrogate, which storage would merge with others', async () => {
    await expect(fila.enqueue('noop', {}, { key: 'k\uD800' })).rejects.toThrow(/well-formed Unicode/);
    expect((await fila.enqueue('noop', {}, { key: 'k\u{1F600}' })).key).toBe('k\u{1F600}');
  });
});
