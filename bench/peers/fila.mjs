// Fila adapter for the peer benchmark harness (../shared/bench/peers): same workloads, same session.
// Installed into the harness by run.sh (adapters/fila.mjs, with node_modules/fila linked to this repo).
//
// Store: FILA_BENCH_STORE, default a SQLite file in FILA_BENCH_DIR (default /tmp/fila-peer-bench); a
// postgres:// or redis:// URL runs Fila on that server, its schema or key prefix emptied before each run.
// Fila's defaults everywhere; the profiles only set the worker's concurrency (10 like the peers'
// default profiles, 100 for "tuned").
import { createFila, defineTask } from 'fila';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE } from '../common.mjs';

const DIR = process.env.FILA_BENCH_DIR || '/tmp/fila-peer-bench';
const STORE = process.env.FILA_BENCH_STORE || `sqlite://${join(DIR, 'fila.db')}`;

// Fila loads a store's module (and its driver, pg or ioredis) when the first Fila object for that store
// opens it; the peers' adapters load their libraries and drivers when they are imported. Loading the
// store module here, at import, puts Fila on the same footing: the harness times startup from the
// adapter's worker() call, after imports. (Loading pg or ioredis takes 40-50 ms on the test machine.)
const storeModule = { postgres: 'postgres', postgresql: 'postgres', redis: 'redis', rediss: 'redis' }[
  STORE.split(':')[0]
];
if (storeModule) await import(new URL(`./stores/${storeModule}/index.js`, import.meta.resolve('fila')).href);

export const profiles = {
  default: { concurrency: 10 },
  tuned: { concurrency: 100 },
};

export default {
  name: 'fila',
  pkg: 'fila',
  backend: STORE.split(':')[0],
  profiles,
  async reset() {
    if (STORE.startsWith('sqlite://')) {
      rmSync(DIR, { recursive: true, force: true });
      mkdirSync(DIR, { recursive: true });
    } else {
      // A PostgreSQL schema or Redis key prefix: start each run empty. dropStore is internal (not in
      // the package's exports), so it is loaded next to the package's entry point.
      const { dropStore } = await import(new URL('./stores/open.js', import.meta.resolve('fila')).href);
      await dropStore(STORE);
    }
    const fila = createFila({ store: STORE });
    await fila.store(); // creates and migrates
    await fila.close();
  },
  async producer() {
    const fila = createFila({ store: STORE });
    await fila.store();
    return {
      add: (data) => fila.enqueue('bench', data, { queue: QUEUE }),
      addBulk: (datas) =>
        fila.enqueueMany(datas.map((payload) => ({ task: 'bench', payload, options: { queue: QUEUE } }))),
      close: () => fila.close(),
    };
  },
  async monitor() {
    const fila = createFila({ store: STORE });
    return {
      // Jobs not yet finished: queued in the bench queue, or active. Both are index lookups.
      async pending() {
        const queued = await fila.listJobs({ state: 'queued', queue: QUEUE, limit: 1 });
        const active = await fila.listJobs({ state: 'active', limit: 1 });
        return queued.jobs.length + active.jobs.length;
      },
      close: () => fila.close(),
    };
  },
  async worker({ settings, onJob }) {
    const fila = createFila({ store: STORE });
    const task = defineTask({ name: 'bench', queue: QUEUE, handler: async (payload) => void onJob(payload) });
    const worker = fila.worker({ tasks: [task], concurrency: settings.concurrency, handleSignals: false });
    worker.on('worker:error', (e) => console.error('fila worker error', e.during, e.error?.message));
    await worker.start();
    return {
      stop: async () => {
        await worker.stop({ grace: 0 });
        await fila.close();
      },
    };
  },
};
