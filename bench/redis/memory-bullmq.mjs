/**
 * BullMQ's Redis memory per queued job, measured as bench/redis/memory.mjs measures Fila's: `used_memory`
 * (INFO memory) before and after 100,000 jobs of the task `send-email` with `{ userId }`, added in
 * batches of 1,000 with BullMQ's defaults; the queue is obliterated afterwards. BullMQ is not a
 * dependency of Fila: it is loaded from the peer harness (bench/peers/run.sh installs it there).
 *
 * Usage: node bench/redis/memory-bullmq.mjs [redis://127.0.0.1:6379/0] [--harness /tmp/fila-peers/harness]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { harness: { type: 'string' }, jobs: { type: 'string' } },
});
const server = new URL(positionals[0] ?? 'redis://127.0.0.1:6379/0');
const harness = values.harness ?? '/tmp/fila-peers/harness';
const jobs = Number(values.jobs ?? 100_000);
const require = createRequire(join(harness, 'package.json'));
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');

const connection = {
  host: server.hostname,
  port: Number(server.port || 6379),
  db: Number(server.pathname.slice(1) || 0),
};
const admin = new Redis(connection);
const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1]);
const queue = new Queue(`memory-${process.pid}`, { connection });
try {
  await queue.add('warm-up', {}); // every structure exists before the baseline
  const before = await used();
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, jobs - i) }, (_, j) => ({
        name: 'send-email',
        data: { userId: i + j },
      })),
    );
  }
  const queued = await used();
  console.log(
    JSON.stringify({ peer: 'bullmq', jobs, bytesPerJob: { queued: Math.round((queued - before) / jobs) } }),
  );
} finally {
  await queue.obliterate({ force: true });
  await queue.close();
  admin.disconnect();
}
