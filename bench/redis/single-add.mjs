/**
 * Where a single awaited Redis enqueue spends its time: Fila's `enqueue` against an EVALSHA of a script
 * that only returns 1 (the floor of any one-round-trip add) and against Fila's own insert script called
 * straight through ioredis (what Fila's JavaScript adds on top). Each line runs in a fresh process:
 * "cold" is the first 2,000 calls of that process (what the peer harness's single-add test measures),
 * "warm" 10,000 calls after 3,000 to warm up. Wall and client CPU per call, medians of the rounds.
 *
 * Usage: npm run build && node bench/redis/single-add.mjs [redis://127.0.0.1:6379/0] [--rounds 3]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string' }, child: { type: 'string' } },
});
const server = positionals[0] ?? 'redis://127.0.0.1:6379/0';

if (values.child) {
  const [what, phase] = values.child.split(':');
  const { Redis } = await import('ioredis');
  const { createFila } = await import('../../dist/index.js');
  const { dropStore } = await import('../../dist/stores/open.js');
  const { scripts } = await import('../../dist/stores/redis/sql.gen.js');
  const { KeyLayout } = await import('../../dist/stores/redis/keys.js');
  const { newId } = await import('../../dist/core/ids.js');
  const { storedId } = await import('../../dist/stores/redis/ids.js');
  const prefix = `fila-single-add-${process.pid}`;
  const url = `${server}?prefix=${prefix}`;
  const fila = createFila({ store: url });
  await fila.store();
  const redis = new Redis(server);
  const layout = new KeyLayout(prefix);
  const empty = await redis.script('LOAD', 'return 1');
  const insert = await redis.script('LOAD', scripts.insert);
  const record = 'bench {"i":1}';
  const call = {
    empty: () => redis.evalsha(empty, 0),
    script: () => {
      const { keys, args } = layout.call(
        ['q'],
        [1, storedId(newId()), 'q', 0, '', 0, '', '', 'ignore', record],
      );
      return redis.evalsha(insert, keys.length, ...keys, ...args);
    },
    fila: (i) => fila.enqueue('bench', { i }, { queue: 'q' }),
  }[what];
  const run = async (n) => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < n; i++) await call(i);
    const wall = ((performance.now() - start) * 1000) / n;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / n };
  };
  let result;
  if (phase === 'cold') result = await run(2000);
  else {
    await run(3000);
    result = await run(10_000);
  }
  redis.disconnect();
  await fila.close();
  await dropStore(url);
  console.log(JSON.stringify(result));
} else {
  const rounds = Number(values.rounds ?? 3);
  const self = fileURLToPath(import.meta.url);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('call                         phase   wall µs   client CPU µs');
  for (const phase of ['cold', 'warm']) {
    const results = { empty: [], script: [], fila: [] };
    for (let r = 0; r < rounds; r++) {
      for (const what of Object.keys(results)) {
        const out = execFileSync(process.execPath, [self, server, '--child', `${what}:${phase}`]);
        results[what].push(JSON.parse(out.toString().trim().split('\n').pop()));
      }
    }
    const label = {
      empty: 'EVALSHA of `return 1`',
      script: "Fila's insert script, raw",
      fila: 'fila.enqueue',
    };
    for (const [what, rs] of Object.entries(results)) {
      const wall = median(rs.map((x) => x.wall)).toFixed(0);
      const cpu = median(rs.map((x) => x.cpu)).toFixed(0);
      console.log(`${label[what].padEnd(28)} ${phase.padEnd(6)} ${wall.padStart(8)} ${cpu.padStart(14)}`);
    }
  }
}
