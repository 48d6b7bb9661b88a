/**
 * Redis memory per job, as docs/stores/redis.md reports it: `used_memory` (INFO memory) before and after
 * 100,000 jobs of the task `send-email` with a small payload, queued, then completed with a small result,
 * then cleaned. Uses its own key prefix and deletes it afterwards; run it on an otherwise idle server
 * (other clients' writes would show up in the figures).
 *
 * Usage: npm run build && node bench/redis/memory.mjs [redis://127.0.0.1:6379/0] [--keyed] [--payload 1000]
 */
import { Redis } from 'ioredis';
import { parseArgs } from 'node:util';
import { createFila } from '../../dist/index.js';
import { dropStore } from '../../dist/stores/open.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { keyed: { type: 'boolean' }, payload: { type: 'string' }, jobs: { type: 'string' } },
});
const server = positionals[0] ?? 'redis://127.0.0.1:6379/0';
const url = `${server}?prefix=fila-memory-${process.pid}`;
const jobs = Number(values.jobs ?? 100_000);
const padding = values.payload ? 'x'.repeat(Number(values.payload)) : undefined;

const admin = new Redis(server);
const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1]);
const fila = createFila({ store: url });
const store = await fila.store();
try {
  // One job first, so every structure exists before the baseline.
  await fila.enqueue('warm-up', {});
  const warm = await store.jobClaim({ queues: ['default'], limit: 1, leaseMs: 60_000, workerId: 'w' });
  await store.jobCompleteMany({ jobs: warm.jobs.map((j) => ({ id: j.id, token: j.token, result: null })) });
  const before = await used();
  for (let i = 0; i < jobs; i += 1000) {
    await fila.enqueueMany(
      Array.from({ length: Math.min(1000, jobs - i) }, (_, j) => ({
        task: 'send-email',
        payload: padding ? { userId: i + j, padding } : { userId: i + j },
        options: values.keyed ? { key: `user:${i + j}` } : {},
      })),
    );
  }
  const queued = await used();
  for (;;) {
    const claimed = await store.jobClaim({
      queues: ['default'],
      limit: 1000,
      leaseMs: 60_000,
      workerId: 'w',
    });
    if (claimed.jobs.length === 0) break;
    await store.jobCompleteMany({
      jobs: claimed.jobs.map((j) => ({ id: j.id, token: j.token, result: '{"ok":true}' })),
    });
  }
  const completed = await used();
  await fila.clean({ state: 'completed', olderThan: 0 });
  const cleaned = await used();
  const per = (bytes) => Math.round((bytes - before) / jobs);
  console.log(
    JSON.stringify({
      jobs,
      keyed: !!values.keyed,
      payloadPadding: padding?.length ?? 0,
      bytesPerJob: {
        queued: per(queued),
        completed: per(completed),
        afterClean: per(cleaned),
      },
    }),
  );
} finally {
  await fila.close();
  await dropStore(url);
  admin.disconnect();
}
