/** Commands that change jobs: retry, cancel, remove, clean. */
import { UNFINISHED_STATES, type JobFilter, type JobState } from '../../core/job.js';
import { duration, name, parse, states, str, UsageError, type Parsed } from '../args.js';
import type { Command } from '../command.js';
import { allLogs, logPages } from '../job-logs.js';
import { jobToJSON, printJson } from '../output.js';

/** The states a bulk command can change: any other --state would match nothing, so it is refused. */
const TAKES = {
  retry: { states: ['failed', 'cancelled'], described: 'failed or cancelled' },
  cancel: { states: UNFINISHED_STATES, described: `unfinished states (${UNFINISHED_STATES.join(', ')})` },
} satisfies Record<string, { states: readonly JobState[]; described: string }>;

/** The filter of a bulk command (--state, --queue, --task, --tenant). */
function filterFrom(values: Parsed['values'], command: 'retry' | 'cancel'): JobFilter | undefined {
  const filter: JobFilter = {};
  const state = states(values, 'state', { ...TAKES[command], command });
  if (state !== undefined) filter.state = state;
  for (const key of ['queue', 'task', 'tenant'] as const) {
    const v = name(values, key);
    if (v !== undefined) filter[key] = v;
  }
  if (Object.keys(filter).length === 0) return undefined;
  if (filter.state === undefined) throw new UsageError(`fila ${command}: bulk ${command} needs --state`);
  return filter;
}

const FILTER_OPTIONS = {
  state: { type: 'string' },
  queue: { type: 'string' },
  task: { type: 'string' },
  tenant: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const retry: Command = {
  name: 'retry',
  summary: 'retry a failed or cancelled job, or all that match a filter',
  usage: `fila retry ID [--json]
fila retry --state failed[,cancelled] [--queue Q] [--task T] [--tenant T] [--json]

Puts failed (or cancelled) jobs back to the queue with a fresh attempt count.
--state takes failed, cancelled, or both (failed,cancelled).`,
  async run(args, ctx) {
    const { values, positionals } = parse('retry', args, FILTER_OPTIONS, { min: 0, max: 1 });
    const filter = filterFrom(values, 'retry');
    if (positionals.length === 1 && filter)
      throw new UsageError('retry: give a job id or a filter, not both');
    if (positionals.length === 1) {
      const job = await ctx.client().retry(positionals[0]!);
      if (values.json) printJson(jobToJSON(job));
      else process.stdout.write(`retrying ${job.id} (now ${job.state})\n`);
      return;
    }
    if (!filter)
      throw new UsageError('retry: give a job id, or --state failed (with --queue/--task to narrow it)');
    const { retried } = await ctx.client().retryMany(filter);
    if (values.json) printJson({ retried });
    else process.stdout.write(`retried ${retried} job(s)\n`);
  },
};

export const cancel: Command = {
  name: 'cancel',
  summary: 'cancel a job, or all unfinished jobs that match a filter',
  usage: `fila cancel ID [--json]
fila cancel --state S[,S] [--queue Q] [--task T] [--tenant T] [--json]

Cancels a job: at once if it has not started; a running job's worker stops it within about a second.
--state takes one unfinished state or a comma-separated list of them: ${UNFINISHED_STATES.join(', ')}.`,
  async run(args, ctx) {
    const { values, positionals } = parse('cancel', args, FILTER_OPTIONS, { min: 0, max: 1 });
    const filter = filterFrom(values, 'cancel');
    if (positionals.length === 1 && filter)
      throw new UsageError('cancel: give a job id or a filter, not both');
    if (positionals.length === 1) {
      const job = await ctx.client().cancel(positionals[0]!);
      if (values.json) printJson(jobToJSON(job));
      else if (job.state === 'cancelled') process.stdout.write(`cancelled ${job.id}\n`);
      else process.stdout.write(`asked the worker running ${job.id} to stop it\n`);
      return;
    }
    if (!filter) throw new UsageError('cancel: give a job id, or a filter such as --state queued --queue Q');
    const result = await ctx.client().cancelMany(filter);
    if (values.json) printJson(result);
    else
      process.stdout.write(
        `cancelled ${result.cancelled} job(s); asked workers to stop ${result.requested} running job(s)\n`,
      );
  },
};

export const remove: Command = {
  name: 'remove',
  summary: 'delete a job that is not running',
  usage: `fila remove ID`,
  async run(args, ctx) {
    const { positionals } = parse('remove', args, {}, { min: 1, max: 1 });
    await ctx.client().remove(positionals[0]!);
    process.stdout.write(`removed ${positionals[0]}\n`);
  },
};

export const clean: Command = {
  name: 'clean',
  summary: 'delete finished jobs older than a given age',
  usage: `fila clean --state completed|failed|cancelled --older-than 7d [--queue Q] [--json]

Deletes jobs in that state that finished longer ago than --older-than, with their logs.`,
  async run(args, ctx) {
    const { values } = parse(
      'clean',
      args,
      {
        state: { type: 'string' },
        'older-than': { type: 'string' },
        queue: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    const state = str(values, 'state');
    if (state === undefined)
      throw new UsageError('clean: --state is required (completed, failed or cancelled)');
    if (state !== 'completed' && state !== 'failed' && state !== 'cancelled') {
      throw new UsageError(`--state: clean takes completed, failed or cancelled, got "${state}"`);
    }
    const olderThan = duration(values, 'older-than');
    if (olderThan === undefined) throw new UsageError('clean: --older-than is required (e.g. 7d)');
    const queue = name(values, 'queue');
    const { removed } = await ctx
      .client()
      .clean({ state, olderThan, ...(queue === undefined ? {} : { queue }) });
    if (values.json) printJson({ removed });
    else process.stdout.write(`removed ${removed} ${state} job(s)\n`);
  },
};

export const logs: Command = {
  name: 'logs',
  summary: "print a job's log lines",
  usage: `fila logs ID [--json]

Prints every log line of the job, oldest first (all of them, however many).`,
  async run(args, ctx) {
    const { values, positionals } = parse('logs', args, { json: { type: 'boolean' } }, { min: 1, max: 1 });
    const fila = ctx.client();
    const id = positionals[0]!;
    if (!(await fila.getJob(id))) {
      const { JobNotFoundError } = await import('../../core/errors.js');
      throw new JobNotFoundError(id);
    }
    if (values.json) {
      printJson((await allLogs(fila, id)).map((l) => ({ ...l, at: l.at.toISOString() })));
      return;
    }
    for await (const page of logPages(fila, id)) {
      process.stdout.write(
        page.map((l) => `${l.at.toISOString()} [attempt ${l.attempt}] ${l.message}\n`).join(''),
      );
    }
  },
};
