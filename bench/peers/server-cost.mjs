/**
 * What processing costs the PostgreSQL server, per job, for Fila and for a peer: N jobs are enqueued
 * with the peer's bulk add, a CHECKPOINT is taken, then one worker (the adapter's "tuned" profile, in
 * this process) runs them all. Only the processing is measured: jobs per second, the CPU of every
 * postgres process (µs per job, from /proc, exited backends included through the postmaster), and the
 * WAL written per job (bytes, records, full-page images, from pg_stat_wal) with the commits (every
 * transaction of the database, read-only ones included). What is counted, and why the machine must be
 * quiet: see ../postgres/stats.mjs. An autovacuum that starts during the run counts too.
 *
 * Runs inside the peer harness, with its adapters (FILA_BENCH_STORE for Fila's), once any run of
 * bench/peers/run.sh has set it up in /tmp/fila-peers:
 *   npm run build && cd /tmp/fila-peers/harness && FILA_BENCH_STORE=postgres://postgres@127.0.0.1:5432/bench \
 *     node /path/to/fila/bench/peers/server-cost.mjs --peers fila,graphile-worker [--n 40000] [--rounds 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { counters as readCounters, postgresTicks, ticks } from '../postgres/stats.mjs';

const { values } = parseArgs({
  options: { peers: { type: 'string' }, n: { type: 'string' }, rounds: { type: 'string' } },
});
const harness = process.cwd();
const { loadAdapter, withPg } = await import(pathToFileURL(join(harness, 'common.mjs')).href);
const N = Number(values.n ?? 40_000);

const counters = () => withPg(readCounters);

for (let round = 0; round < Number(values.rounds ?? 1); round++) {
  for (const peer of (values.peers ?? 'fila,graphile-worker').split(',')) {
    const adapter = await loadAdapter(peer);
    await adapter.reset();
    const producer = await adapter.producer();
    for (let i = 0; i < N; i += 1000) {
      await producer.addBulk(Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({ i: i + j })));
    }
    await producer.close();
    await withPg((c) => c.query('CHECKPOINT'));
    const before = { postgres: postgresTicks(), self: ticks(process.pid), ...(await counters()) };
    let handled = 0;
    let done;
    const all = new Promise((resolve) => (done = resolve));
    const start = performance.now();
    const worker = await adapter.worker({
      settings: { ...adapter.profiles.tuned },
      onJob: () => void (++handled === N && done()),
    });
    await all;
    const seconds = (performance.now() - start) / 1000;
    // Everything once the worker has stopped (its last completions are written by then; the stop's own
    // small cost counts too) and its connections have ended: a backend that ends hands its CPU time to
    // the postmaster's children count, and reports its WAL and commits, within about a second. Jobs per
    // second end at the last handler call, as the harness's do.
    await worker.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = { postgres: postgresTicks(), self: ticks(process.pid), ...(await counters()) };
    const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
    const us = (t) => +((t * 1e4) / N).toFixed(1); // ticks are 10 ms
    console.log(
      JSON.stringify({
        peer: adapter.name,
        jobsPerSec: Math.round(N / seconds),
        postgresUsPerJob: us(d.postgres),
        workerUsPerJob: us(d.self),
        walBytesPerJob: Math.round(d.bytes / N),
        walRecordsPerJob: +(d.records / N).toFixed(2),
        walFullPagesPerJob: +(d.fpi / N).toFixed(3),
        jobsPerCommit: Math.round(N / Math.max(1, d.commits)),
      }),
    );
  }
}
process.exit(0);
