/**
 * `fila worker --tasks PATH`: a worker for the tasks a module or folder exports, until SIGINT/SIGTERM.
 * Every flag is checked before the store is opened; the client is the command's own (ctx.client), so
 * it is closed however the command ends, and a worker that fails to start leaves nothing running.
 */
import { redact } from '../../stores/open.js';
import { resolveWorkerOptions, type WorkerOptions } from '../../worker/options.js';
import { duration, int, list, parse, str, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { attachEventLog } from '../event-log.js';
import { loadTasks } from '../load-tasks.js';

export const worker: Command = {
  name: 'worker',
  summary: 'run a worker for the tasks exported by a module or folder',
  usage: `fila worker --tasks PATH [--queues a,b] [--concurrency N] [--lease 30s] [--shutdown-grace 10s] [--quiet]

Runs every task definition exported by PATH (a .ts or .js module, or a folder of them; no build step).
  --queues a,b          queues to take jobs from (default: the queues of the tasks)
  --concurrency N       jobs at once (default 10)
  --lease D             lease length; a crashed worker's jobs run again after about lease + 15s (default 30s)
  --shutdown-grace D    on SIGINT/SIGTERM, how long running jobs may finish before they are released (default 10s)
  --quiet               do not print job events`,
  async run(args, ctx) {
    const { values } = parse(
      'worker',
      args,
      {
        tasks: { type: 'string' },
        queues: { type: 'string' },
        concurrency: { type: 'string' },
        lease: { type: 'string' },
        'shutdown-grace': { type: 'string' },
        quiet: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    const path = str(values, 'tasks');
    if (path === undefined) throw new UsageError('worker: --tasks PATH is required');
    const tasks = await loadTasks(path);
    const queues = list(values, 'queues');
    const concurrency = int(values, 'concurrency', 1, 10_000);
    const lease = duration(values, 'lease');
    const grace = duration(values, 'shutdown-grace');
    const options: WorkerOptions = {
      tasks,
      ...(queues ? { queues } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(lease !== undefined ? { lease } : {}),
      ...(grace !== undefined ? { shutdownGrace: grace } : {}),
    };
    resolveWorkerOptions(options); // throws naming a bad option (e.g. a lease under 1 s)
    const w = ctx.client({ tasks, create: true }).worker(options);
    if (!values.quiet) attachEventLog(w.events);
    w.on('worker:stop', () => process.stdout.write(`worker ${w.id} stopped\n`));
    await w.start();
    process.stdout.write(
      `worker ${w.id} on ${redact(ctx.storeUrl)}: tasks ${tasks.map((t) => t.name).join(', ')}; queues ${w.queues.join(', ')}; concurrency ${w.concurrency}\n`,
    );
    // Runs until SIGINT/SIGTERM: the worker then stops gracefully and the signal ends the process.
    await new Promise(() => {});
  },
};
