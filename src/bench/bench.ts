/**
 * `fila bench`: the peers' benchmark workloads against a Fila store, each measurement on a fresh store:
 *   add_single    2,000 enqueues, each awaited before the next
 *   add_bulk      N jobs enqueued in batches of 50
 *   process_c1    N jobs processed by a worker process with concurrency 1 (no-op handler)
 *   process_c100  the same with concurrency 100; also the worker's peak RSS
 *   latency       an idle worker in another process; jobs enqueued one by one at ~100/s; the time
 *                 from just before enqueue to the handler's start, p50/p95/p99
 * Payloads are tiny (`{ i }`); the worker runs with Fila's defaults except its concurrency. As in the
 * peer harness, the add scenarios time the enqueues only (the store is opened and migrated first); the
 * processing scenarios include the worker's start.
 * `runs` > 1 repeats everything and reports the median of each figure.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFila } from '../client/fila.js';
import { ValidationError } from '../core/errors.js';
import { dropStore, parseSqliteUrl } from '../stores/open.js';

export const SCENARIOS = ['add_single', 'add_bulk', 'process_c1', 'process_c100', 'latency'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Where to benchmark: every measurement gets a fresh store there (a file beside a SQLite one, a schema, a key prefix). */
  storeUrl: string;
  /** Jobs for add_bulk and the processing scenarios. Default 20,000. */
  jobs: number;
  /** Jobs sent in the latency scenario. Default 1,000 (10 s at 100 jobs/s). */
  latencyJobs: number;
  runs: number;
  scenarios: Scenario[];
  onProgress?: (message: string) => void;
}

export interface BenchResult {
  store: string;
  jobs: number;
  runs: number;
  scenarios: {
    add_single?: { jobs_per_s: number };
    add_bulk?: { jobs_per_s: number };
    process_c1?: { jobs_per_s: number };
    process_c100?: { jobs_per_s: number };
    latency?: { p50_ms: number; p95_ms: number; p99_ms: number };
  };
  worker_peak_rss_mb: number | null;
  /** Every run's raw figures, for the record. */
  samples: Record<string, number[]>;
}

const QUEUE = 'bench';
const SINGLE_ADDS = 2000;
const BULK_BATCH = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

/**
 * Fresh, isolated stores for one bench session: a new SQLite file beside the given one (same disk), a
 * new PostgreSQL schema, or a new Redis key prefix; all deleted afterwards.
 */
class FreshStores {
  private readonly dir: string | undefined;
  private readonly made: string[] = [];

  constructor(private readonly base: string) {
    if (base.startsWith('sqlite://')) {
      const parent = dirname(resolve(parseSqliteUrl(base).path));
      mkdirSync(parent, { recursive: true });
      this.dir = mkdtempSync(join(parent, '.fila-bench-'));
    } else if (!/^(postgres|postgresql|redis|rediss):\/\//.test(base)) {
      throw new ValidationError(
        'bench: makes fresh stores of its own, which it can do on sqlite://, postgres:// or redis:// only',
      );
    }
  }

  next(): string {
    const n = this.made.length + 1;
    let url: string;
    if (this.dir) url = `sqlite://${join(this.dir, `bench-${n}.db`)}`;
    else {
      const u = new URL(this.base);
      if (this.base.startsWith('redis')) u.searchParams.set('prefix', `fila-bench-${process.pid}-${n}`);
      else u.searchParams.set('schema', `fila_bench_${process.pid}_${n}`);
      url = u.toString();
    }
    this.made.push(url);
    return url;
  }

  async cleanup(): Promise<void> {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    else for (const url of this.made) await dropStore(url).catch(() => {});
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface ChildResult {
  type: string;
  elapsedMs?: number;
  jobsPerSec?: number;
  peakRssMb?: number;
  latencies?: number[];
  message?: string;
}

function startWorker(args: object): { ready: Promise<void>; result: Promise<ChildResult> } {
  const self = fileURLToPath(import.meta.url);
  const ts = self.endsWith('.ts');
  const child = fork(
    self.replace(/bench\.(ts|js)$/, `worker-child.${ts ? 'ts' : 'js'}`),
    [JSON.stringify(args)],
    {
      execArgv: ts ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const result = new Promise<ChildResult>((resolvePromise, reject) => {
    child.on('message', (m: ChildResult) => {
      if (m.type === 'ready') readyResolve();
      else if (m.type === 'result') resolvePromise(m);
      else if (m.type === 'error') reject(new Error(`bench worker failed: ${m.message}`));
    });
    child.on('exit', (code) => reject(new Error(`bench worker exited with code ${code}`)));
  });
  return { ready, result };
}

async function fill(url: string, n: number): Promise<void> {
  const fila = createFila({ store: url });
  for (let i = 0; i < n; i += 1000) {
    const items = [];
    for (let j = i; j < Math.min(n, i + 1000); j++)
      items.push({ task: 'bench', payload: { i: j }, options: { queue: QUEUE } });
    await fila.enqueueMany(items);
  }
  await fila.close();
}

async function addSingle(url: string): Promise<number> {
  const fila = createFila({ store: url });
  // Opened (connected, migrated) before the clock starts, as the peer harness's producers are.
  await fila.store();
  const t0 = now();
  for (let i = 0; i < SINGLE_ADDS; i++) await fila.enqueue('bench', { i }, { queue: QUEUE });
  const ms = now() - t0;
  await fila.close();
  return SINGLE_ADDS / (ms / 1000);
}

async function addBulk(url: string, n: number): Promise<number> {
  const fila = createFila({ store: url });
  await fila.store(); // see addSingle
  const t0 = now();
  for (let i = 0; i < n; i += BULK_BATCH) {
    const items = [];
    for (let j = i; j < Math.min(n, i + BULK_BATCH); j++)
      items.push({ task: 'bench', payload: { i: j }, options: { queue: QUEUE } });
    await fila.enqueueMany(items);
  }
  const ms = now() - t0;
  await fila.close();
  return n / (ms / 1000);
}

async function processing(url: string, n: number, concurrency: number): Promise<ChildResult> {
  await fill(url, n);
  return startWorker({ mode: 'process', url, n, concurrency, queue: QUEUE }).result;
}

async function latency(url: string, n: number): Promise<{ p50: number; p95: number; p99: number }> {
  // Create and migrate the store before the worker opens it.
  const fila = createFila({ store: url });
  await fila.store();
  const worker = startWorker({ mode: 'latency', url, n, concurrency: 10, queue: QUEUE });
  await worker.ready;
  const start = now();
  for (let i = 0; i < n; i++) {
    const wait = start + i * 10 - now();
    if (wait > 0) await sleep(wait);
    await fila.enqueue('bench', { i, t: now() }, { queue: QUEUE });
  }
  const result = await worker.result;
  await fila.close();
  const sorted = result.latencies!.slice().sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const stores = new FreshStores(options.storeUrl);
  const samples: Record<string, number[]> = {};
  const record = (key: string, value: number) => (samples[key] ??= []).push(value);
  const say = options.onProgress ?? (() => {});
  const wants = (s: Scenario) => options.scenarios.includes(s);
  try {
    for (let run = 1; run <= options.runs; run++) {
      const tag = options.runs > 1 ? ` (run ${run}/${options.runs})` : '';
      if (wants('add_single')) {
        say(`add_single${tag}`);
        record('add_single', await addSingle(stores.next()));
      }
      if (wants('add_bulk')) {
        say(`add_bulk${tag}`);
        record('add_bulk', await addBulk(stores.next(), options.jobs));
      }
      if (wants('process_c1')) {
        say(`process_c1${tag}`);
        record('process_c1', (await processing(stores.next(), options.jobs, 1)).jobsPerSec!);
      }
      if (wants('process_c100')) {
        say(`process_c100${tag}`);
        const r = await processing(stores.next(), options.jobs, 100);
        record('process_c100', r.jobsPerSec!);
        record('worker_peak_rss_mb', r.peakRssMb!);
      }
      if (wants('latency')) {
        say(`latency${tag}: ${options.latencyJobs} jobs at 100 jobs/s`);
        const l = await latency(stores.next(), options.latencyJobs);
        record('latency_p50_ms', l.p50);
        record('latency_p95_ms', l.p95);
        record('latency_p99_ms', l.p99);
      }
    }
  } finally {
    await stores.cleanup();
  }
  const m = (key: string) => median(samples[key] ?? []);
  const result: BenchResult = {
    store: options.storeUrl,
    jobs: options.jobs,
    runs: options.runs,
    scenarios: {},
    worker_peak_rss_mb: samples.worker_peak_rss_mb ? round(m('worker_peak_rss_mb'), 1) : null,
    samples,
  };
  for (const key of ['add_single', 'add_bulk', 'process_c1', 'process_c100'] as const) {
    if (samples[key]) result.scenarios[key] = { jobs_per_s: Math.round(m(key)) };
  }
  if (samples.latency_p50_ms) {
    result.scenarios.latency = {
      p50_ms: round(m('latency_p50_ms'), 2),
      p95_ms: round(m('latency_p95_ms'), 2),
      p99_ms: round(m('latency_p99_ms'), 2),
    };
  }
  return result;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
