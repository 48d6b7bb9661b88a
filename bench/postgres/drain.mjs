/**
 * Where a PostgreSQL drain spends its time: N jobs are enqueued, then one worker process (concurrency C,
 * no-op handler, Fila's defaults) runs them all. Printed: jobs per second; CPU of the worker process and
 * of all postgres processes (% of one core, and µs per job, from /proc); and, from pg_stat_wal and
 * pg_stat_database, the WAL written per job (with the full-page images among it: the run starts right
 * after a CHECKPOINT, so the first change to each page writes the whole page) and the number of commits
 * (every transaction of the database: heartbeats and registry reports too), with the jobs per commit.
 *
 * `--sql "…"` runs a statement after the schema is created and before the jobs are enqueued (to try a
 * table setting, e.g. `ALTER TABLE drain.jobs SET (fillfactor = 80)`). To see what the commit's WAL
 * flush costs, run it once with `ALTER DATABASE bench SET synchronous_commit = off` set beforehand (and
 * RESET afterwards); Fila itself always commits synchronously.
 *
 * `--perf FILE` records a system-wide `perf record -a -g` profile of the drain alone (not the enqueue) into
 * FILE.<round>; `perf report -i FILE.0 --comm postgres --no-children` then shows where the server's time
 * goes (the worker is busy only about a third of the time, the server most of it; `--children` for
 * inclusive shares). Sampling costs CPU,
 * charged partly to the processes sampled: compare the figures of a profiled run only with each other.
 *
 * Usage: npm run build && node bench/postgres/drain.mjs [--jobs 40000] [--concurrency 100] [--rounds 1]
 *   [--sql "…"] [--no-checkpoint] [--perf FILE]  (database `bench` at 127.0.0.1:5432, schema `drain`, dropped at the end)
 */
import { fork, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { counters as readCounters, postgresTicks, ticks, TICKS_PER_SECOND } from './stats.mjs';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    sql: { type: 'string' },
    'no-checkpoint': { type: 'boolean' },
    perf: { type: 'string' },
    child: { type: 'boolean' },
  },
});
const DB = 'postgres://postgres@127.0.0.1:5432/bench';
const STORE = `${DB}?schema=drain`;
const N = Number(values.jobs ?? 40_000);
const C = Number(values.concurrency ?? 100);

if (values.child) {
  const { createFila, defineTask } = await import('../../dist/index.js');
  const fila = createFila({ store: STORE });
  let handled = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  const task = defineTask({
    name: 'bench',
    queue: 'bench',
    handler: async () => void (++handled === N && done()),
  });
  const worker = fila.worker({ tasks: [task], concurrency: C, handleSignals: false });
  await fila.store();
  process.send('ready');
  await new Promise((resolve) => process.once('message', resolve));
  const start = performance.now();
  await worker.start();
  await all;
  const ms = performance.now() - start;
  process.send({ ms, rssMB: process.memoryUsage.rss() / 1e6 });
  await worker.stop();
  await fila.close();
  process.exit(0);
}

const { createFila } = await import('../../dist/index.js');
const { dropStore } = await import('../../dist/stores/open.js');
const admin = new pg.Client({ connectionString: DB });
await admin.connect();
const ticksPerSecond = TICKS_PER_SECOND;
const counters = () => readCounters(admin);

for (let round = 0; round < Number(values.rounds ?? 1); round++) {
  await dropStore(STORE);
  const fila = createFila({ store: STORE });
  await fila.store();
  if (values.sql) await admin.query(values.sql);
  for (let i = 0; i < N; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
      task: 'bench',
      payload: { i: i + j },
      options: { queue: 'bench' },
    }));
    await fila.enqueueMany(batch);
  }
  await fila.close();
  if (!values['no-checkpoint']) await admin.query('CHECKPOINT');
  // perf first: if it cannot run (not installed, not permitted), stop before the worker exists.
  const perf = values.perf
    ? spawn('perf', ['record', '-a', '-g', '-q', '-o', `${values.perf}.${round}`], { stdio: 'inherit' })
    : undefined;
  const perfExit =
    perf &&
    new Promise((resolve, reject) => {
      perf.once('exit', resolve);
      perf.once('error', (e) => reject(new Error(`perf: ${e.message} (is perf installed?)`)));
    });
  if (perf) {
    const early = await Promise.race([
      perfExit,
      new Promise((resolve) => setTimeout(resolve, 300, 'running')),
    ]);
    if (early !== 'running') throw new Error('perf record ended at once (see its message above)');
  }
  const child = fork(new URL(import.meta.url), ['--child', '--jobs', String(N), '--concurrency', String(C)]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve) => child.once('message', resolve));
  const before = { worker: ticks(child.pid), postgres: postgresTicks(), ...(await counters()) };
  child.send('go');
  const result = await new Promise((resolve) => child.once('message', resolve));
  const after = { worker: ticks(child.pid), postgres: postgresTicks() };
  if (perf) {
    perf.kill('SIGINT');
    await perfExit;
  }
  await exited;
  // A backend reports its WAL and commit counts at most once a second, and when it ends: read them once
  // the worker's connections have closed.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  Object.assign(after, await counters());
  const seconds = result.ms / 1000;
  const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
  const cpu = (t) => ({
    pct: Math.round((t * 100) / ticksPerSecond / seconds),
    usPerJob: +((t * 1e6) / ticksPerSecond / N).toFixed(1),
  });
  console.log(
    JSON.stringify({
      jobsPerSec: Math.round(N / seconds),
      workerRssMB: Math.round(result.rssMB),
      workerCpu: cpu(d.worker),
      postgresCpu: cpu(d.postgres),
      walBytesPerJob: Math.round(d.bytes / N),
      walRecordsPerJob: +(d.records / N).toFixed(2),
      walFullPagesPerJob: +(d.fpi / N).toFixed(3),
      commits: d.commits,
      jobsPerCommit: Math.round(N / Math.max(1, d.commits)),
    }),
  );
}
await dropStore(STORE);
await admin.end();
