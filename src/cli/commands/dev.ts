/**
 * `fila dev`: everything in one process for local development — opens (and migrates) the store,
 * starts a worker for the given tasks (the demo tasks of examples/ by default), enqueues the demo jobs,
 * and prints every job event until Ctrl-C, then stops gracefully and prints a summary.
 */
import { fileURLToPath } from 'node:url';
import { createFila } from '../../client/fila.js';
import type { EnqueueItem } from '../../client/fila.js';
import { duration, int, parse, str } from '../args.js';
import type { Command } from '../command.js';
import { attachEventLog } from '../event-log.js';
import { loadTasks } from '../load-tasks.js';

/** Listens on `port`, or on a free port when it is taken. */
async function listenNear(
  api: { listen(o: { port: number; host: string }): Promise<{ port: number }> },
  port: number,
) {
  try {
    return await api.listen({ port, host: '127.0.0.1' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    return api.listen({ port: 0, host: '127.0.0.1' });
  }
}

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

export const dev: Command = {
  name: 'dev',
  summary: 'run a worker with the demo tasks (or yours) and watch jobs live',
  usage: `fila dev [--tasks PATH] [--concurrency N] [--port 4000] [--no-demo] [--shutdown-grace 10s]

Opens the store (default: .fila/fila.db, created if missing), starts a worker for the tasks in PATH
(default: the demo tasks in examples/), serves the HTTP API with an admin token made for the session
(revoked when it stops), enqueues a few demo jobs, and prints what happens until Ctrl-C.
  --port N     the API's port (default 4000; another free port if it is taken)
  --no-demo    do not enqueue the demo jobs`,
  async run(args, ctx) {
    const { values } = parse(
      'dev',
      args,
      {
        tasks: { type: 'string' },
        concurrency: { type: 'string' },
        port: { type: 'string' },
        'no-demo': { type: 'boolean' },
        'shutdown-grace': { type: 'string' },
      },
      { min: 0, max: 0 },
    );
    const path = str(values, 'tasks');
    const tasks = await loadTasks(path ?? EXAMPLES);
    const fila = createFila({ store: ctx.storeUrl, tasks });
    const worker = fila.worker({
      tasks,
      concurrency: int(values, 'concurrency', 1, 10_000) ?? 4,
      shutdownGrace: duration(values, 'shutdown-grace') ?? 10_000,
      handleSignals: false,
    });
    attachEventLog(fila.events);
    await worker.start();
    const { createServer, createToken } = await import('../../server/index.js');
    const api = createServer({
      fila,
      onError: (error, during) =>
        process.stderr.write(`fila dev: API ${during}: ${(error as Error)?.message ?? String(error)}\n`),
    });
    const address = await listenNear(api, int(values, 'port', 0, 65_535) ?? 4000);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    // Ctrl-C is handled from here on, before the session's token exists, so no signal can end the
    // process between making the token and revoking it.
    let stopping = false;
    let finish!: () => void;
    const stopped = new Promise<void>((resolve) => (finish = resolve));
    const onSignal = () => {
      if (stopping) {
        out('stopping now');
        void worker.stop({ grace: 0 });
        return;
      }
      stopping = true;
      out(`\nstopping: waiting for ${worker.activeCount} running job(s) (Ctrl-C again to stop now)`);
      void worker.stop().then(finish);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The session's token lives as long as the session: it is revoked on the way out.
    const store = await fila.store();
    const { record, token } = await createToken(store, { role: 'admin', name: 'fila dev session' });
    try {
      const base = `http://127.0.0.1:${address.port}`;
      out(`fila dev on ${ctx.storeUrl}`);
      out(`  tasks:  ${tasks.map((t) => `${t.name} (queue ${t.queue})`).join(', ')}`);
      out(`  worker: ${worker.id}, concurrency ${worker.concurrency}`);
      out(`  API:    ${base}/api/v1/queues?token=${token}`);
      out(`          (token for this session: ${token}; OpenAPI at ${base}/openapi.json)`);
      if (!path && !values['no-demo']) {
        const { demoJobs } = (await import('tsx/esm/api').then(({ tsImport }) =>
          tsImport(new URL('demo.ts', `file://${EXAMPLES}`).href, import.meta.url),
        )) as { demoJobs: EnqueueItem[] };
        out(`  enqueuing ${demoJobs.length} demo jobs; press Ctrl-C to stop\n`);
        await fila.enqueueMany(demoJobs);
      } else {
        out('  waiting for jobs; press Ctrl-C to stop\n');
      }

      await stopped;
    } finally {
      await store
        .tokenRevoke({ id: record.id })
        .catch((e: unknown) =>
          process.stderr.write(
            `fila dev: could not revoke the session's token ${record.id} (fila tokens revoke ${record.id}): ${(e as Error)?.message ?? String(e)}\n`,
          ),
        );
    }
    const counts: Record<string, number> = {};
    for (const q of await fila.listQueues()) {
      for (const [state, n] of Object.entries(q.counts)) counts[state] = (counts[state] ?? 0) + n;
    }
    await api.close();
    out(
      `stopped. jobs in the store: ${
        Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ') || 'none'
      }`,
    );
    await fila.close();
  },
};
