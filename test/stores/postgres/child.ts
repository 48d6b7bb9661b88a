/**
 * Child processes of the PostgreSQL fault tests: `child.ts <mode> <store url> <json args>`, reporting
 * over IPC.
 *   worker    runs a worker for the `work` task (sleeps `ms`, returns its pid); reports ready, then
 *             `done` batches of the ids it completed (the completion was written: the store accepted it)
 *   producer  enqueues `count` `work` jobs one at a time; reports `accepted` batches of ids whose enqueue
 *             resolved, and every failure with its error code and how long the call took
 */
import { createFila } from '../../../src/client/fila.js';
import { defineTask } from '../../../src/core/task.js';

const [mode, url, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs ?? '{}') as Record<string, number>;
const send = (message: Record<string, unknown>) => process.send?.(message);

const work = defineTask({
  name: 'work',
  handler: async (payload: { ms: number }) => {
    if (payload.ms > 0) await new Promise((r) => setTimeout(r, payload.ms));
    return { pid: process.pid };
  },
});

/** Collects ids and sends them in batches (one IPC message per 10 ms at most). */
function batcher(type: string): (id: string) => void {
  let ids: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  return (id) => {
    ids.push(id);
    timer ??= setTimeout(() => {
      send({ type, ids });
      ids = [];
      timer = undefined;
    }, 10);
  };
}

async function main(): Promise<void> {
  const fila = createFila({ store: url!, tasks: [work] });
  if (mode === 'worker') {
    const worker = fila.worker({
      tasks: [work],
      concurrency: args.concurrency ?? 20,
      lease: args.lease ?? 2000,
      rescueInterval: args.rescueInterval ?? 250,
      pollInterval: args.pollInterval ?? 1000,
      handleSignals: false,
    });
    const done = batcher('done');
    worker.on('job:complete', ({ job }) => done(job.id));
    worker.on('job:start', () => send({ type: 'start' }));
    await worker.start();
    send({ type: 'ready', workerId: worker.id });
    return; // runs until killed
  }
  if (mode === 'producer') {
    const accepted = batcher('accepted');
    send({ type: 'ready' });
    for (let i = 0; i < args.count!; i++) {
      const started = Date.now();
      try {
        accepted((await fila.enqueue(work, { ms: args.ms ?? 0 })).id);
      } catch (e) {
        send({ type: 'failed', code: (e as { code?: string }).code, ms: Date.now() - started });
        await new Promise((r) => setTimeout(r, 50));
      }
      if (args.pauseMs) await new Promise((r) => setTimeout(r, args.pauseMs));
    }
    await new Promise((r) => setTimeout(r, 50));
    send({ type: 'finished' });
    await fila.close();
    process.disconnect?.();
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((e: unknown) => {
  send({ type: 'error', message: String((e as Error)?.stack ?? e) });
  process.exitCode = 1;
  process.disconnect?.();
});
