/**
 * The worker's automatic buffer (prefetch: 'auto') on a real store: while handlers are short it claims
 * far ahead of its free slots; when they turn slow, or one handler holds the only slot far longer than
 * the mean, it gives back what it holds beyond its target, so the jobs it took while they were short go
 * to other workers instead of waiting behind a slow one. A job given back has not spent an attempt.
 * The buffer is measured from inside the first slow handler, before it can be given back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFila, defineTask, type Fila, type Worker } from '../../src/index.js';
import { sleep, waitFor } from '../../src/testkit/harness.js';

let dir: string;
let fila: Fila;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fila-buffer-'));
  fila = createFila({ store: `sqlite://${join(dir, 'fila.db')}` });
});
afterEach(async () => {
  await fila.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Jobs leased to `worker`: the one running plus those in its buffer. */
async function held(worker: Worker): Promise<number> {
  const active = (await fila.listJobs({ state: 'active', limit: 1000 })).jobs;
  return active.filter((j) => j.workerId === worker.id).length;
}

/** 30 short jobs, then 150 that run `slow`; a worker of concurrency 1. */
async function setup(slow: () => Promise<void>) {
  let heldAtFirstSlow: number | undefined;
  const ref: { worker?: Worker } = {};
  const step = defineTask({
    name: 'step',
    handler: async (p: { slow: boolean }) => {
      if (!p.slow) return;
      heldAtFirstSlow ??= await held(ref.worker!);
      await slow();
    },
  });
  await fila.enqueueMany([
    ...Array.from({ length: 30 }, () => ({ task: 'step', payload: { slow: false } })),
    ...Array.from({ length: 150 }, () => ({ task: 'step', payload: { slow: true } })),
  ]);
  const worker = fila.worker({ tasks: [step], concurrency: 1, handleSignals: false });
  ref.worker = worker;
  await worker.start();
  const buffered = await waitFor(() => heldAtFirstSlow, 'the first slow job', 5000);
  return { worker, buffered };
}

async function expectGivenBack(worker: Worker) {
  await waitFor(async () => ((await held(worker)) <= 2 ? true : null), 'the buffer given back', 3000);
  const queued = (await fila.listJobs({ state: 'queued', limit: 1000 })).jobs;
  expect(queued.length).toBeGreaterThan(100);
  expect(queued.every((j) => j.attempt === 0)).toBe(true);
}

describe('worker buffer', () => {
  it('claims ahead while jobs are short, and gives jobs back once they turn slow', async () => {
    const { worker, buffered } = await setup(() => sleep(40));
    try {
      expect(buffered).toBeGreaterThan(20);
      await expectGivenBack(worker);
    } finally {
      await worker.stop({ grace: 0 });
    }
  }, 20_000);

  it('gives the whole buffer back when one handler holds the only slot', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { worker, buffered } = await setup(() => gate);
    try {
      expect(buffered).toBeGreaterThan(20);
      await expectGivenBack(worker);
    } finally {
      open();
      await worker.stop({ grace: 0 });
    }
  }, 20_000);
});
