/**
 * The worker process of `fila bench`, started with fork() and driven over IPC, like the peer harness's
 * worker: only Fila's worker (no producer) runs in this process, so its peak RSS is the worker's.
 *   process  N jobs are enqueued: time from worker start until all N ran and the store shows none
 *            queued or active; report jobs/s, peak RSS and CPU time
 *   latency  idle worker; record (handler start − enqueue time) of each job until N are seen
 */
import '../heap-at-import.js'; // first, as in the package's entry points: see worker/heap.ts
import { createFila } from '../client/fila.js';
import { defineTask } from '../core/task.js';

interface Args {
  mode: 'process' | 'latency';
  url: string;
  n: number;
  concurrency: number;
  queue: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const send = (message: object) => new Promise<void>((r) => process.send!(message, () => r()));
const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const fila = createFila({ store: args.url, migrate: false });
  let handled = 0;
  let reached!: () => void;
  const allHandled = new Promise<void>((r) => (reached = r));
  const latencies: number[] = [];
  const task = defineTask({
    name: 'bench',
    queue: args.queue,
    handler: async (payload: { i: number; t?: number }) => {
      if (payload.t !== undefined) latencies.push(now() - payload.t);
      if (++handled === args.n) reached();
    },
  });
  const worker = fila.worker({ tasks: [task], concurrency: args.concurrency, handleSignals: false });
  if (args.mode === 'latency') {
    await worker.start();
    await new Promise((r) => setTimeout(r, 1000)); // settle into the idle wait
    await send({ type: 'ready' });
    await allHandled;
    await send({ type: 'result', latencies, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  } else {
    const cpu0 = process.cpuUsage();
    const t0 = now();
    await worker.start();
    await allHandled;
    // Every handler ran; now wait until the store shows every job finished.
    for (;;) {
      const queued = await fila.listJobs({ state: 'queued', queue: args.queue, limit: 1 });
      const active = await fila.listJobs({ state: 'active', limit: 1 });
      if (queued.jobs.length === 0 && active.jobs.length === 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const elapsedMs = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await send({
      type: 'result',
      elapsedMs,
      jobsPerSec: args.n / (elapsedMs / 1000),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      cpuUsPerJob: (cpu.user + cpu.system) / args.n,
    });
  }
  await worker.stop({ grace: 0 });
  await fila.close();
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    await send({ type: 'error', message: String((e as Error)?.stack ?? e) });
    process.exit(1);
  },
);
