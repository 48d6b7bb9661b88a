import { runBench, SCENARIOS, type BenchResult, type Scenario } from '../../bench/bench.js';
import { redact } from '../../stores/open.js';
import { int, list, parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJson, table } from '../output.js';

export const bench: Command = {
  name: 'bench',
  summary: "benchmark a store with the peers' workloads",
  usage: `fila bench [--store URL] [--jobs N] [--runs N] [--latency-jobs N] [--scenarios a,b] [--json]

Runs the peers' benchmark workloads, each on a fresh store beside --store: single add, bulk add in
batches of 50, processing at concurrency 1 and 100 (no-op handler, worker in its own process),
enqueue→start latency at ~100 jobs/s across processes, and the worker's peak RSS.
  --jobs N           jobs for bulk add and processing (default 20000)
  --runs N           repeat and report medians (default 1)
  --latency-jobs N   jobs in the latency run (default 1000, ~10 s)
  --scenarios a,b    only these: ${SCENARIOS.join(', ')}
  --json             print one JSON object`,
  async run(args, ctx) {
    const { values } = parse(
      'bench',
      args,
      {
        jobs: { type: 'string' },
        runs: { type: 'string' },
        'latency-jobs': { type: 'string' },
        scenarios: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    const scenarios = (list(values, 'scenarios') ?? [...SCENARIOS]) as Scenario[];
    for (const s of scenarios) {
      if (!SCENARIOS.includes(s))
        throw new UsageError(`--scenarios: unknown scenario "${s}" (${SCENARIOS.join(', ')})`);
    }
    const result = await runBench({
      storeUrl: ctx.storeUrl,
      jobs: int(values, 'jobs', 100, 10_000_000) ?? 20_000,
      runs: int(values, 'runs', 1, 100) ?? 1,
      latencyJobs: int(values, 'latency-jobs', 10, 100_000) ?? 1000,
      scenarios,
      onProgress: values.json ? undefined : (m) => process.stderr.write(`running ${m}…\n`),
    });
    if (values.json) {
      const { samples: _samples, ...summary } = result;
      printJson({ ...summary, store: redact(summary.store) });
    } else {
      process.stdout.write(`${formatResult(result)}\n`);
    }
  },
};

export function formatResult(r: BenchResult): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const range = (key: string) => {
    const xs = r.samples[key];
    if (!xs || xs.length < 2) return '';
    return `  (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  };
  const rows = [['SCENARIO', r.runs > 1 ? `MEDIAN OF ${r.runs}` : 'RESULT']];
  const s = r.scenarios;
  if (s.add_single) rows.push(['add_single', `${fmt(s.add_single.jobs_per_s)} jobs/s${range('add_single')}`]);
  if (s.add_bulk)
    rows.push(['add_bulk (batches of 50)', `${fmt(s.add_bulk.jobs_per_s)} jobs/s${range('add_bulk')}`]);
  if (s.process_c1) rows.push(['process_c1', `${fmt(s.process_c1.jobs_per_s)} jobs/s${range('process_c1')}`]);
  if (s.process_c100)
    rows.push(['process_c100', `${fmt(s.process_c100.jobs_per_s)} jobs/s${range('process_c100')}`]);
  if (s.latency)
    rows.push([
      'latency (100 jobs/s)',
      `p50 ${s.latency.p50_ms} ms  p95 ${s.latency.p95_ms} ms  p99 ${s.latency.p99_ms} ms`,
    ]);
  if (r.worker_peak_rss_mb !== null) rows.push(['worker peak RSS (c100)', `${r.worker_peak_rss_mb} MB`]);
  return `fila bench: ${redact(r.store)}, ${fmt(r.jobs)} jobs, node ${process.version}\n${table(rows)}`;
}
