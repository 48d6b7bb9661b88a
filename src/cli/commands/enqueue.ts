/**
 * `fila enqueue`: one job from the command line, or one job per line of an NDJSON file. A file is
 * enqueued in batches of 500; a batch holding a bad line is retried line by line, so every good line
 * is enqueued and every bad one is reported with its reason.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { prepareJob, type EnqueueOptions } from '../../client/enqueue.js';
import type { Fila } from '../../client/fila.js';
import { isUserError, PayloadValidationError } from '../../core/errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../core/json.js';
import type { AnyTask } from '../../core/task.js';
import { duration, int, json, parse, str, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { loadTasks } from '../load-tasks.js';
import { jobToJSON, printJson } from '../output.js';

const BATCH = 500;

export const enqueue: Command = {
  name: 'enqueue',
  summary: 'enqueue a job (or one per line of an NDJSON file)',
  usage: `fila enqueue TASK [JSON] [options]
fila enqueue TASK --file PATH [options]

Enqueues a job of TASK with the JSON payload (default null) and prints its id.
  --queue Q           queue (default: "default")
  --priority P        critical, high, normal, low or an integer (higher runs first)
  --delay D           run after D (30s, 5m, 2h…)
  --run-at TIME       run at an ISO 8601 time
  --key K             dedup key: an unfinished job with the same key is returned instead
  --dedup POLICY      ignore (default), replace or reject
  --max-attempts N    attempts before the job fails for good
  --timeout D         time limit per attempt
  --tenant T          tenant
  --file PATH         one payload per line (NDJSON): enqueue them all, report rejected lines
  --tasks PATH        load task definitions (as fila worker does) to apply their queue, defaults and schema
  --json              print the job (or the file report) as JSON

Without --tasks, the job goes to --queue (or "default") and its payload is checked by the worker.`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      'enqueue',
      args,
      {
        queue: { type: 'string' },
        priority: { type: 'string' },
        delay: { type: 'string' },
        'run-at': { type: 'string' },
        key: { type: 'string' },
        dedup: { type: 'string' },
        'max-attempts': { type: 'string' },
        timeout: { type: 'string' },
        tenant: { type: 'string' },
        file: { type: 'string' },
        tasks: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 1, max: 2 },
    );
    const tasksPath = str(values, 'tasks');
    const tasks = tasksPath === undefined ? undefined : await loadTasks(tasksPath);
    const task = positionals[0]!;
    const options: EnqueueOptions = {};
    const queue = str(values, 'queue');
    if (queue !== undefined) options.queue = queue;
    const priority = str(values, 'priority');
    if (priority !== undefined)
      options.priority = /^-?\d+$/.test(priority)
        ? Number(priority)
        : (priority as EnqueueOptions['priority']);
    const delay = duration(values, 'delay');
    if (delay !== undefined) options.delay = delay;
    const runAt = str(values, 'run-at');
    if (runAt !== undefined) options.runAt = runAt;
    const key = str(values, 'key');
    if (key !== undefined) options.key = key;
    const dedup = str(values, 'dedup');
    if (dedup !== undefined) options.dedup = dedup as EnqueueOptions['dedup'];
    const maxAttempts = int(values, 'max-attempts', 1, 1000);
    if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
    const timeout = duration(values, 'timeout');
    if (timeout !== undefined) options.timeout = timeout;
    const tenant = str(values, 'tenant');
    if (tenant !== undefined) options.tenant = tenant;

    const file = str(values, 'file');
    if (file !== undefined) {
      if (positionals.length > 1) throw new UsageError('enqueue: give a JSON payload or --file, not both');
      if (key !== undefined)
        throw new UsageError('enqueue: --key cannot be used with --file (every line would share it)');
      await check(tasks, task, undefined, options);
      const lines = await openFile(file);
      try {
        const fila = ctx.client({ ...(tasks ? { tasks } : {}), create: true });
        return await enqueueFile(fila, task, file, lines, options, values.json === true);
      } finally {
        lines.destroy();
      }
    }
    const payload = positionals[1] === undefined ? null : json(positionals[1], 'payload');
    await check(tasks, task, payload, options);
    const job = await ctx
      .client({ ...(tasks ? { tasks } : {}), create: true })
      .enqueue(task, payload, options);
    if (values.json) printJson(jobToJSON(job));
    else process.stdout.write(`${job.id}\n`);
  },
};

/**
 * Checks the job as the client will (task name, every option, the payload against the task's schema),
 * before the store is opened: bad input changes nothing, not even by creating or migrating the store.
 * For a file (`payload` undefined) only the task and the options are checked here; each line is checked
 * when it is enqueued.
 */
async function check(
  tasks: AnyTask[] | undefined,
  task: string,
  payload: unknown,
  options: EnqueueOptions,
): Promise<void> {
  const context = {
    tasks: new Map((tasks ?? []).map((t) => [t.name, t])),
    strictTasks: tasks !== undefined,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  };
  try {
    await prepareJob(context, task, payload ?? null, options);
  } catch (e) {
    // A file's lines are its payloads: what the schema says of a null one does not matter.
    if (!(payload === undefined && e instanceof PayloadValidationError)) throw e;
  }
}

/** Opens an NDJSON file for reading, or says why it cannot be read. */
async function openFile(path: string): Promise<ReadStream> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(new UsageError(`--file: cannot read ${path}: ${e.message}`)));
  });
  return stream;
}

async function enqueueFile(
  fila: Fila,
  task: string,
  path: string,
  stream: ReadStream,
  options: EnqueueOptions,
  asJson: boolean,
): Promise<number> {
  const rejected: { line: number; error: string }[] = [];
  let enqueued = 0;
  let batch: { line: number; payload: unknown }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    try {
      enqueued += (await fila.enqueueMany(items.map((i) => ({ task, payload: i.payload, options })))).length;
    } catch (e) {
      if (!isUserError(e)) throw e;
      // One line is bad: enqueue the batch line by line to find it (and any other).
      for (const item of items) {
        try {
          await fila.enqueue(task, item.payload, options);
          enqueued++;
        } catch (e2) {
          if (!isUserError(e2)) throw e2;
          rejected.push({ line: item.line, error: (e2 as Error).message });
        }
      }
    }
  };
  let lineNo = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNo++;
    if (text.trim() === '') continue;
    try {
      batch.push({ line: lineNo, payload: JSON.parse(text) as unknown });
    } catch (e) {
      rejected.push({ line: lineNo, error: `invalid JSON: ${(e as Error).message}` });
    }
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  rejected.sort((a, b) => a.line - b.line);
  if (asJson) printJson({ enqueued, rejected });
  else {
    process.stdout.write(
      `enqueued ${enqueued} job(s) of ${task} from ${path}; rejected ${rejected.length} line(s)\n`,
    );
    for (const r of rejected) process.stdout.write(`  line ${r.line}: ${r.error}\n`);
  }
  // 0: every line enqueued; 2: nothing enqueued (nothing changed); 1: some lines were rejected.
  if (rejected.length === 0) return 0;
  return enqueued === 0 ? 2 : 1;
}
