// A worker's memory over a long run: enqueues N no-op jobs, then runs one worker process (concurrency
// 100, Fila's defaults) until they are done, printing its heap and RSS every 3 s and the peak RSS
// (sampled every 50 ms). With FORCE_GC=1 the heap is read after a full collection, which shows whether
// anything is retained (a leak) as opposed to garbage not yet collected.
//
//   npm run build
//   node bench/worker-memory.mjs [N=200000] [store URL, default postgres://postgres@127.0.0.1:5432/bench?schema=fila_memory]
//   NODE_FLAGS='--heap-growing-percent=300' node bench/worker-memory.mjs   (flags for the worker process)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createFila, defineTask } from '../dist/index.js';
import { dropStore } from '../dist/stores/open.js';

const N = Number(process.argv[2] || 200_000);
const STORE = process.argv[3] || 'postgres://postgres@127.0.0.1:5432/bench?schema=fila_memory';

if (process.argv[4] === 'worker') {
  const fila = createFila({ store: STORE });
  let done = 0;
  const task = defineTask({ name: 'noop', queue: 'memory', handler: async () => void done++ });
  const worker = fila.worker({ tasks: [task], concurrency: 100, handleSignals: false });
  await worker.start();
  let peak = 0;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50).unref();
  const mb = (n) => (n / 1e6).toFixed(1);
  const report = setInterval(() => {
    if (process.env.FORCE_GC) globalThis.gc();
    const m = process.memoryUsage();
    console.log(`done ${done}  heap used ${mb(m.heapUsed)} MB  rss ${mb(m.rss)} MB  peak rss ${mb(peak)} MB`);
  }, 3000);
  process.send('ready');
  process.on('message', async () => {
    clearInterval(report);
    await worker.stop();
    await fila.close();
    console.log(`peak rss ${mb(peak)} MB`);
    process.exit(0);
  });
} else {
  await dropStore(STORE);
  const fila = createFila({ store: STORE });
  for (let i = 0; i < N; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
      task: 'noop',
      payload: { i: i + j },
      options: { queue: 'memory' },
    }));
    await fila.enqueueMany(batch);
  }
  const flags = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const execArgv = process.env.FORCE_GC ? ['--expose-gc', ...flags] : flags;
  const t0 = performance.now();
  const child = fork(fileURLToPath(import.meta.url), [String(N), STORE, 'worker'], { execArgv });
  await new Promise((resolve) => child.once('message', resolve));
  while ((await fila.listJobs({ state: 'queued', queue: 'memory', limit: 1 })).jobs.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${Math.round(N / seconds)} jobs/s (from forking the worker to its last claim, ±250 ms)`);
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  await fila.close();
  await dropStore(STORE);
}
