/**
 * Where the time of a cold single add goes, for Fila and for BullMQ: each round runs, in a fresh process,
 * 2,000 awaited adds (what the peer harness's single-add test times) under V8's sampling profiler, and
 * splits the wall time per add into
 *   write    the socket write call (on this machine it also covers Redis running the command when the
 *            kernel switches to it inside the call),
 *   wait     the process idle, waiting for the reply,
 *   gc       garbage collection,
 *   compile  V8 compiling and other time outside JavaScript ("(program)"),
 *   js       JavaScript, by package: the client (ioredis and its dependencies), the job library (fila or
 *            bullmq, with its other dependencies), Node.
 * It also prints the time Redis spent in the add's script (INFO commandstats, µs per add).
 * BullMQ is loaded from the peer harness (bench/peers/run.sh installs it there).
 *
 * Usage: npm run build && node bench/redis/single-add-profile.mjs [--rounds 3] [--harness /tmp/fila-peers/harness]
 */
import { execFileSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { rounds: { type: 'string' }, harness: { type: 'string' }, child: { type: 'string' } },
});
const harness = values.harness ?? '/tmp/fila-peers/harness';
const ADDS = 2000;
/** The Redis client and the packages it is made of. */
const CLIENT = new Set([
  'ioredis',
  'redis-parser',
  'redis-errors',
  'denque',
  'standard-as-callback',
  '@ioredis/commands',
  'cluster-key-slot',
  'debug',
  'ms',
  'lodash.defaults',
  'lodash.isarguments',
]);

if (values.child) {
  const peer = values.child;
  const require = createRequire(join(harness, 'package.json'));
  let add, close;
  if (peer === 'fila') {
    const { createFila } = await import('../../dist/index.js');
    const { dropStore } = await import('../../dist/stores/open.js');
    await import('../../dist/stores/redis/index.js');
    const url = `redis://127.0.0.1:6379/0?prefix=single-add-profile-${process.pid}`;
    const fila = createFila({ store: url });
    await fila.store();
    add = (i) => fila.enqueue('bench', { i }, { queue: 'q' });
    close = async () => {
      await fila.close();
      await dropStore(url);
    };
  } else {
    const { Queue } = require('bullmq');
    const queue = new Queue(`single-add-profile-${process.pid}`, {
      connection: { host: '127.0.0.1', port: 6379 },
    });
    await queue.waitUntilReady();
    add = (i) => queue.add('job', { i });
    close = async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    };
  }
  const { Redis } = require('ioredis');
  const admin = new Redis('redis://127.0.0.1:6379/0');
  const scriptUsec = async () =>
    Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  const usec0 = await scriptUsec();
  await session.post('Profiler.start');
  const start = performance.now();
  for (let i = 0; i < ADDS; i++) await add(i);
  const wall = ((performance.now() - start) * 1000) / ADDS;
  const { profile } = await session.post('Profiler.stop');
  const redis = ((await scriptUsec()) - usec0) / ADDS; // other clients' scripts count too: keep Redis quiet
  admin.disconnect();
  await close();
  console.log(JSON.stringify({ wall, redis, ...split(profile) }));
} else {
  const rounds = Number(values.rounds ?? 3);
  const self = fileURLToPath(import.meta.url);
  const results = { fila: [], bullmq: [] };
  for (let r = 0; r < rounds; r++) {
    for (const peer of Object.keys(results)) {
      const out = execFileSync(process.execPath, [self, '--child', peer, '--harness', harness]);
      results[peer].push(JSON.parse(out.toString().trim().split('\n').pop()));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const columns = ['wall', 'write', 'wait', 'gc', 'compile', 'js', 'client', 'library', 'node', 'redis'];
  console.log(
    `µs per add, medians of ${rounds} rounds of ${ADDS} cold adds (client: ioredis; library: fila or bullmq)`,
  );
  console.log(['peer    ', ...columns.map((c) => c.padStart(8))].join(''));
  for (const [peer, rows] of Object.entries(results)) {
    const cells = columns.map((c) =>
      median(rows.map((row) => row[c]))
        .toFixed(0)
        .padStart(8),
    );
    console.log([peer.padEnd(8), ...cells].join(''));
  }
}

/** Sampled time per add, by where it went (see the header). */
function split(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = { write: 0, wait: 0, gc: 0, compile: 0, js: 0, client: 0, library: 0, node: 0 };
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const { functionName: fn, url } = byId.get(id).callFrame;
    if (/^write(Utf8String|Buffer|v|Latin1String)$/.test(fn)) out.write += us;
    else if (fn === '(idle)') out.wait += us;
    else if (fn === '(garbage collector)') out.gc += us;
    else if (fn === '(program)') out.compile += us;
    else {
      out.js += us;
      // By package: the last node_modules/ folder in the path (ioredis's own dependencies count as the
      // client), or this repository's dist/ (Fila).
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url)?.[1];
      if (pkg && CLIENT.has(pkg)) out.client += us;
      else if (pkg || url.includes('/dist/'))
        out.library += us; // the library and its own dependencies
      else out.node += us;
    }
  });
  for (const k of Object.keys(out)) out[k] /= ADDS;
  return out;
}
