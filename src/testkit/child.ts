/**
 * Entry point of the conformance suite's child processes: `child <mode> <store url> <json args>
 * [register module]`.
 * Each mode reports over IPC. Modes:
 *   worker        runs a worker with the test tasks; reports ready, start, complete, aborted
 *   enqueue-keys  waits for "go", enqueues `count` jobs with keys k0…, reports their ids
 *   enqueue       waits for "go", enqueues one job, reports its id
 *   cancel        cancels a job, reports its state
 *   append-event  waits for "go", appends one event to the store's event log
 */
import { pathToFileURL } from 'node:url';
import { createFila } from '../client/fila.js';
import type { NewEvent } from '../core/store.js';
import { hang, nap, noop, steps } from './tasks.js';
import type { WorkerOptions } from '../worker/worker.js';

const [mode, url, rawArgs, register] = process.argv.slice(2);
const args = JSON.parse(rawArgs ?? '{}') as Record<string, unknown>;
const send = (message: Record<string, unknown>) => process.send?.(message);
const go = () =>
  new Promise<void>((resolve) =>
    process.on('message', (m: { type?: string }) => m.type === 'go' && resolve()),
  );

async function main(): Promise<void> {
  // A store written outside Fila: its module registers its URL scheme (StoreFixture.register).
  if (register) await import(register.startsWith('file:') ? register : pathToFileURL(register).href);
  const fila = createFila({ store: url! });
  if (mode === 'worker') {
    const worker = fila.worker({
      tasks: [hang, nap, noop, steps],
      handleSignals: true,
      ...(args as Partial<WorkerOptions>),
    });
    worker.on('job:start', ({ job }) => send({ type: 'start', id: job.id, task: job.task }));
    worker.on('job:complete', ({ job }) => send({ type: 'complete', id: job.id }));
    worker.on('job:cancel', ({ jobId }) => send({ type: 'cancelled', id: jobId }));
    worker.on('job:fail', ({ job, error }) => send({ type: 'fail', id: job.id, error: error.message }));
    worker.on('job:retry', ({ job, error }) => send({ type: 'retry', id: job.id, error: error.message }));
    worker.on('worker:stop', () => send({ type: 'stopped' }));
    await worker.start();
    send({ type: 'ready', workerId: worker.id });
    return; // runs until killed or signalled
  }
  if (mode === 'enqueue-keys') {
    const count = Number(args.count ?? 100);
    send({ type: 'ready' });
    await go();
    const ids: string[] = [];
    for (let k = 0; k < count; k++)
      ids.push((await fila.enqueue('noop', { k }, { key: `k${k}`, queue: 'dedup' })).id);
    send({ type: 'done', ids });
  } else if (mode === 'enqueue') {
    send({ type: 'ready' });
    await go();
    const job = await fila.enqueue(String(args.task), args.payload, (args.options ?? {}) as object);
    send({ type: 'done', id: job.id });
  } else if (mode === 'append-event') {
    send({ type: 'ready' });
    await go();
    const store = await fila.store();
    await store.eventAppend({ events: [args.event as NewEvent] });
    send({ type: 'done' });
  } else if (mode === 'cancel') {
    const job = await fila.cancel(String(args.id));
    send({ type: 'done', state: job.state, cancelRequested: job.cancelRequested });
  } else {
    throw new Error(`unknown child mode ${mode}`);
  }
  await fila.close();
  process.disconnect?.();
}

main().catch((e: unknown) => {
  send({ type: 'error', message: String((e as Error)?.stack ?? e) });
  process.exitCode = 1;
  process.disconnect?.();
});
