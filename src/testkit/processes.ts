/**
 * Conformance with real processes: a worker killed with SIGKILL while holding 50 jobs (another worker
 * completes each exactly once), eight processes racing on the same dedup keys, cancel of a running job
 * from another process, wake-ups across processes, and graceful shutdown on SIGTERM.
 */
import { describe, expect } from 'vitest';
import { defineTask } from '../core/task.js';
import type { ConformanceTest } from './conformance.js';
import { sleep, waitFor, waitForState } from './harness.js';
import { noop } from './tasks.js';

export function processTests(test: ConformanceTest): void {
  describe('with real processes', () => {
    test('kill -9 of a worker holding 50 active jobs: another worker completes all 50, each exactly once', async (s) => {
      const fila = s.client();
      const jobs = await fila.enqueueMany(
        Array.from({ length: 50 }, (_, i) => ({ task: 'hang', payload: { i } })),
      );
      const doomed = s.child('worker', { concurrency: 50, lease: 2000, heartbeatInterval: 500 });
      await doomed.next('ready');
      await waitFor(() => doomed.count('start') === 50, '50 jobs active in the child', 20_000);
      const active = await fila.listJobs({ state: 'active', limit: 100 });
      expect(active.jobs).toHaveLength(50);
      doomed.kill('SIGKILL');
      await doomed.exited;

      const runs = new Map<string, number>();
      const hangOnce = defineTask({
        name: 'hang',
        handler: (_p, ctx) => void runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1),
      });
      const survivor = fila.worker({
        tasks: [hangOnce],
        concurrency: 50,
        rescueInterval: 250,
        handleSignals: false,
      });
      await survivor.start();
      await waitFor(
        async () => (await fila.listJobs({ state: 'completed', limit: 100 })).jobs.length === 50,
        'all 50 completed',
        30_000,
      );
      expect(runs.size).toBe(50);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      for (const job of jobs) {
        expect(await fila.getJob(job.id)).toMatchObject({ state: 'completed', attempt: 1, crashCount: 1 });
      }
      expect(doomed.count('complete')).toBe(0);
    }, 60_000);

    test('8 processes enqueue the same 100 dedup keys at once: exactly one job per key', async (s) => {
      const fila = s.client();
      const children = Array.from({ length: 8 }, () => s.child('enqueue-keys', { count: 100 }));
      await Promise.all(children.map((c) => c.next('ready', undefined, 30_000)));
      for (const c of children) c.send({ type: 'go' });
      const results = await Promise.all(children.map((c) => c.next('done', undefined, 30_000)));
      const jobs = await fila.listJobs({ queue: 'dedup', limit: 1000 });
      expect(jobs.jobs).toHaveLength(100);
      expect(new Set(jobs.jobs.map((j) => j.key)).size).toBe(100);
      // Every process got the one job of each key.
      const byKey = new Map(jobs.jobs.map((j) => [j.key, j.id]));
      for (const r of results) {
        expect((r.ids as string[]).map((id, k) => id === byKey.get(`k${k}`)).every(Boolean)).toBe(true);
      }
    }, 60_000);

    test('cancel from another process stops a running job within about a second', async (s) => {
      const fila = s.client();
      const job = await fila.enqueue('hang', null);
      const worker = s.child('worker', {});
      await worker.next('ready');
      await worker.next('start', (m) => m.id === job.id);
      const canceller = s.child('cancel', { id: job.id });
      expect(await canceller.next('done')).toMatchObject({ state: 'active', cancelRequested: true });
      const asked = Date.now();
      await worker.next('cancelled', (m) => m.id === job.id, 5000);
      expect(Date.now() - asked).toBeLessThan(3000);
      expect(await fila.getJob(job.id)).toMatchObject({ state: 'cancelled', cancelRequested: true });
    }, 30_000);

    test('a job enqueued by another process wakes an idle worker without waiting for a poll', async (s) => {
      const fila = s.client();
      const worker = fila.worker({ tasks: [noop], pollInterval: '60s', handleSignals: false });
      await worker.start();
      await sleep(200);
      for (let i = 0; i < 3; i++) {
        const producer = s.child('enqueue', { task: 'noop', payload: { i } });
        await producer.next('ready', undefined, 30_000);
        producer.send({ type: 'go' });
        const { id } = await producer.next('done');
        await waitForState(fila, String(id), 'completed', 3000);
      }
    }, 60_000);

    test('SIGTERM stops a worker gracefully and releases its unfinished jobs without spending an attempt', async (s) => {
      const fila = s.client();
      const quick = await fila.enqueue('nap', { ms: 300 });
      const stuck = await fila.enqueue('hang', null);
      const worker = s.child('worker', { shutdownGrace: 1000 });
      await worker.next('ready');
      await worker.next('start', (m) => m.id === stuck.id);
      await worker.next('start', (m) => m.id === quick.id);
      worker.kill('SIGTERM');
      await worker.next('stopped', undefined, 10_000);
      const code = await worker.exited;
      expect(code === null || code === 0 || worker.process.signalCode === 'SIGTERM').toBe(true);
      expect(await fila.getJob(quick.id)).toMatchObject({ state: 'completed' });
      expect(await fila.getJob(stuck.id)).toMatchObject({ state: 'queued', attempt: 0, crashCount: 0 });
    }, 30_000);
  });
}
