/**
 * The HTTP API benchmark (issue 5's targets), every part in its own process:
 *
 *   enqueue  `fila server` on a fresh SQLite file; autocannon (another process) POSTs /api/v1/jobs
 *            with 50 connections for --duration seconds after a warm-up. Reports requests/s, latency
 *            percentiles, non-2xx answers, and checks that the store holds one job per 201.
 *   sse      `fila server` and `fila worker` on a fresh SQLite file; --clients SSE clients (another
 *            process) follow one job's stream while the worker reports --events progress events,
 *            --interval ms apart. Reports the delivery latency percentiles, whether every client got
 *            every event in order, and the server's peak RSS while they were connected.
 *
 * Usage: npm run build && node bench/api/run.mjs [--runs 3] [--duration 20] [--connections 50]
 *        [--clients 1000] [--client-procs 2] [--events 100] [--interval 100] [--only enqueue|sse] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/fila.js');
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    clients: { type: 'string', default: '1000' },
    'client-procs': { type: 'string', default: '2' },
    events: { type: 'string', default: '100' },
    interval: { type: 'string', default: '100' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);

function fila(store, args) {
  const r = spawnSync(process.execPath, [BIN, '--store', store, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fila ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Starts a `fila` process and resolves once a line of its output matches `ready`. */
function start(store, args, ready) {
  const child = spawn(process.execPath, [BIN, '--store', store, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`fila ${args[0]} exited (${code}): ${out}`)));
  });
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  } catch {
    return null;
  }
}

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'fila-api-bench-'));
  const store = `sqlite://${join(dir, 'fila.db')}`;
  fila(store, ['migrate']);
  const { token } = JSON.parse(fila(store, ['tokens', 'create', '--role', 'admin', '--json']));
  return { dir, store, token };
}

/** Runs autocannon in its own process (asynchronously, so this process can sample the server's RSS). */
function autocannon(url, token, seconds, connections) {
  const body = JSON.stringify({ task: 'bench', payload: { n: 1, text: 'a small payload' } });
  const child = spawn(
    process.execPath,
    [
      AUTOCANNON,
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-m',
      'POST',
      '-H',
      `authorization=Bearer ${token}`,
      '-H',
      'content-type=application/json',
      '-b',
      body,
      '-j',
      `${url}/api/v1/jobs`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon: ${err}`)),
    ),
  );
}

async function enqueueRun() {
  const { dir, store, token } = fresh();
  const { child, match } = await start(store, ['server', '--port', '0'], /Fila API on (http:\/\/\S+)/);
  const url = match[1];
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid) ?? 0)), 250);
  try {
    const warm = await autocannon(url, token, 3, Number(opts.connections));
    const r = await autocannon(url, token, Number(opts.duration), Number(opts.connections));
    // Every 201 is a job in the store: nothing accepted is lost. The store may hold up to one request
    // per connection more than autocannon counted: those still in flight when it stopped counting.
    const queues = JSON.parse(fila(store, ['queues', '--json']));
    const stored = queues.reduce((n, q) => n + q.counts.queued, 0);
    return {
      requests_per_s: Math.round(r.requests.average),
      p50_ms: r.latency.p50,
      p90_ms: r.latency.p90,
      p99_ms: r.latency.p99,
      max_ms: r.latency.max,
      non_2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      created: warm['2xx'] + r['2xx'],
      stored,
      lost: Math.max(0, warm['2xx'] + r['2xx'] - stored),
      server_peak_rss_mb: Math.round(peak * 10) / 10,
    };
  } finally {
    clearInterval(sampler);
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sseRun() {
  const { dir, store, token } = fresh();
  const { child: server, match } = await start(
    store,
    ['server', '--port', '0'],
    /Fila API on (http:\/\/\S+)/,
  );
  const url = match[1];
  const { child: worker } = await start(
    store,
    ['worker', '--tasks', join(ROOT, 'bench/api/tasks.mjs')],
    /concurrency \d+/,
  );
  const events = Number(opts.events);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid) ?? 0)), 100);
  try {
    fila(store, ['pause', 'ticks']);
    const job = JSON.parse(
      fila(store, [
        'enqueue',
        'ticker',
        JSON.stringify({ count: events, intervalMs: Number(opts.interval) }),
        '--queue',
        'ticks',
        '--json',
      ]),
    );
    const idleRss = rssMb(server.pid);
    // The clients are split over a few processes, as browsers would be spread over machines.
    const procs = Number(opts['client-procs']);
    const share = Math.ceil(Number(opts.clients) / procs);
    const outputs = [];
    const children = [];
    for (let p = 0; p < procs; p++) {
      const n = Math.min(share, Number(opts.clients) - p * share);
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bench/api/sse-clients.mjs'), `${url}/api/v1/jobs/${job.id}/events`, token, String(n)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      outputs[p] = '';
      child.stdout.on('data', (d) => (outputs[p] += d));
      children.push(child);
    }
    const deadline = Date.now() + 60_000;
    while (!outputs.every((o) => o.includes('ready\n'))) {
      if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
        throw new Error(`SSE clients not ready: ${outputs.join(' | ')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const connectedRss = rssMb(server.pid);
    fila(store, ['resume', 'ticks']);
    await Promise.all(
      children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))),
    );
    const parts = outputs.map((o) => JSON.parse(o.trim().split('\n').at(-1)));
    const all = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
    const pct = (q) => all[Math.min(all.length - 1, Math.floor(q * all.length))];
    const sum = (key) => parts.reduce((n, p) => n + p[key], 0);
    const result = {
      clients: sum('clients'),
      ready: sum('ready'),
      ended: sum('ended'),
      failed: sum('failed'),
      outOfOrder: sum('outOfOrder'),
      deliveries: all.length,
      minPerClient: Math.min(...parts.map((p) => p.minPerClient)),
      maxPerClient: Math.max(...parts.map((p) => p.maxPerClient)),
      p50_ms: pct(0.5),
      p95_ms: pct(0.95),
      p99_ms: pct(0.99),
      max_ms: all.at(-1),
    };
    return {
      ...result,
      expected_per_client: events,
      server_rss_idle_mb: Math.round(idleRss * 10) / 10,
      server_rss_connected_mb: Math.round(connectedRss * 10) / 10,
      server_peak_rss_mb: Math.round(peak * 10) / 10,
    };
  } finally {
    clearInterval(sampler);
    await stop(worker);
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const results = { date: new Date().toISOString(), node: process.version, runs: Number(opts.runs) };
for (const [name, run] of [
  ['enqueue', enqueueRun],
  ['sse', sseRun],
]) {
  if (opts.only && opts.only !== name) continue;
  const runs = [];
  for (let i = 0; i < Number(opts.runs); i++) {
    const r = await run();
    log(`${name} run ${i + 1}: ${JSON.stringify(r)}`);
    runs.push(r);
  }
  const summary = {};
  for (const key of Object.keys(runs[0])) {
    if (typeof runs[0][key] === 'number') summary[key] = median(runs.map((r) => r[key]));
  }
  results[name] = { median: summary, runs };
}
if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else {
  if (results.enqueue) {
    const m = results.enqueue.median;
    log(
      `POST /api/v1/jobs, ${opts.connections} connections: ${m.requests_per_s} req/s, p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, ` +
        `non-2xx ${m.non_2xx}, server RSS ${m.server_peak_rss_mb} MB (targets: ≥ 8,000 req/s, p99 ≤ 25 ms)`,
    );
  }
  if (results.sse) {
    const m = results.sse.median;
    log(
      `${opts.clients} SSE clients, ${opts.events} progress events: p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, ` +
        `min/max per client ${m.minPerClient}/${m.maxPerClient} of ${opts.events}, out of order ${m.outOfOrder}, ` +
        `server RSS peak ${m.server_peak_rss_mb} MB (targets: p99 ≤ 200 ms, RSS ≤ 150 MB)`,
    );
  }
}
