/**
 * `fila dev`: everything in one process for local development — opens (and migrates) the store,
 * starts a worker for the given tasks (the demo tasks of examples/ by default), enqueues the demo jobs,
 * and prints every job event until Ctrl-C, then stops gracefully and prints a summary.
 */
import { fileURLToPath } from 'node:url';
import type { EnqueueItem } from '../../client/fila.js';
import { redact } from '../../stores/open.js';
import { resolveWorkerOptions } from '../../worker/options.js';
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
  --tasks PATH          a module, or a folder of modules, exporting tasks made with defineTask
  --concurrency N       jobs at once (default 4)
  --port N              the API's port (default 4000; another free port if it is taken)
  --no-demo             do not enqueue the demo jobs
  --shutdown-grace D    on Ctrl-C, how long running jobs may finish before they are released (default 10s)`,
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
    // Everything that can be wrong with the input is found before anything starts (or the store is
    // opened): a bad flag leaves nothing running.
    const path = str(values, 'tasks');
    const port = int(values, 'port', 0, 65_535) ?? 4000;
    const tasks = await loadTasks(path ?? EXAMPLES);
    const workerOptions = {
      tasks,
      concurrency: int(values, 'concurrency', 1, 10_000) ?? 4,
      shutdownGrace: duration(values, 'shutdown-grace') ?? 10_000,
      handleSignals: false,
    };
    resolveWorkerOptions(workerOptions);
    const demoJobs = !path && !values['no-demo'] ? await loadDemoJobs() : [];
    const { createServer, createToken } = await import('../../server/index.js');

    const fila = ctx.client({ tasks, create: true });
    const worker = fila.worker(workerOptions);
    attachEventLog(fila.events);
    const api = createServer({
      fila,
      onError: (error, during) =>
        process.stderr.write(`fila dev: API ${during}: ${(error as Error)?.message ?? String(error)}\n`),
    });
    const out = (line: string) => process.stdout.write(`${line}\n`);
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
    // Whatever fails from here on (the port, the token, the demo jobs), the worker is stopped and the API
    // closed, so the command ends; main closes the client.
    try {
      await worker.start();
      const address = await listenNear(api, port);
      // Ctrl-C is handled from here on, before the session's token exists, so no signal can end the
      // process between making the token and revoking it.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // The session's token lives as long as the session: it is revoked on the way out.
      const store = await fila.store();
      const { record, token } = await createToken(store, { role: 'admin', name: 'fila dev session' });
      try {
        const base = `http://127.0.0.1:${address.port}`;
        out(`fila dev on ${redact(ctx.storeUrl)}`);
        out(`  tasks:  ${tasks.map((t) => `${t.name} (queue ${t.queue})`).join(', ')}`);
        out(`  worker: ${worker.id}, concurrency ${worker.concurrency}`);
        out(`  API:    ${base}/api/v1/queues?token=${token}`);
        out(`          (token for this session: ${token}; OpenAPI at ${base}/openapi.json?token=${token})`);
        if (demoJobs.length > 0) {
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
      out(
        `stopped. jobs in the store: ${
          Object.entries(counts)
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${n} ${s}`)
            .join(', ') || 'none'
        }`,
      );
    } finally {
      // Ctrl-C stays handled while the worker stops (a second one cuts its grace short).
      await worker.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await api.close();
      await fila.close();
    }
  },
};

/** The demo jobs of examples/demo.ts (TypeScript, loaded through tsx like the tasks). */
async function loadDemoJobs(): Promise<EnqueueItem[]> {
  const { tsImport } = await import('tsx/esm/api');
  const demo = (await tsImport(new URL('demo.ts', `file://${EXAMPLES}`).href, import.meta.url)) as {
    demoJobs: EnqueueItem[];
  };
  return demo.demoJobs;
}
