import { JobNotFoundError } from '../../core/errors.js';
import { int, name, parse, states, str } from '../args.js';
import type { Command } from '../command.js';
import { allLogs } from '../job-logs.js';
import { jobDetail, jobsTable, jobToJSON, printJson } from '../output.js';

export const jobs: Command = {
  name: 'jobs',
  summary: 'list jobs',
  usage: `fila jobs [--state S] [--queue Q] [--task T] [--tenant T] [--limit N] [--cursor C] [--oldest-first] [--json]

Lists jobs, newest first. --state takes one state or a comma-separated list.
With --json, prints { "jobs": [...], "cursor": ... }; pass the cursor back for the next page.`,
  async run(args, ctx) {
    const { values } = parse(
      'jobs',
      args,
      {
        state: { type: 'string' },
        queue: { type: 'string' },
        task: { type: 'string' },
        tenant: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        'oldest-first': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    );
    const query: Parameters<ReturnType<typeof ctx.client>['listJobs']>[0] = {
      limit: int(values, 'limit', 1, 1000) ?? 50,
    };
    const state = states(values, 'state');
    if (state !== undefined) query.state = state;
    for (const key of ['queue', 'task', 'tenant'] as const) {
      const v = name(values, key);
      if (v !== undefined) query[key] = v;
    }
    const cursor = str(values, 'cursor');
    if (cursor !== undefined) query.cursor = cursor;
    if (values['oldest-first']) query.order = 'asc';
    const page = await ctx.client().listJobs(query);
    if (values.json) {
      printJson({ jobs: page.jobs.map(jobToJSON), cursor: page.cursor });
      return;
    }
    // A page may be short, even empty, and still carry a cursor: a store that scans for a filter stops
    // at a bound and says where to go on (the Redis store does). The hint is shown whenever there is one.
    if (page.jobs.length > 0) process.stdout.write(`${jobsTable(page.jobs)}\n`);
    else process.stdout.write(page.cursor ? 'no jobs on this page\n' : 'no jobs\n');
    if (page.cursor) process.stdout.write(`more: --cursor ${page.cursor}\n`);
  },
};

/** Log lines `fila job` shows; `fila logs` prints them all. */
const SHOWN_LOGS = 200;

export const job: Command = {
  name: 'job',
  summary: 'show one job (state, attempts, errors, result, logs)',
  usage: `fila job ID [--json]

Shows a job: state, attempts and their errors, progress, result and its first ${SHOWN_LOGS} log lines (it
says when there are more; \`fila logs ID\` prints them all). With --json, "logs" holds every line.`,
  async run(args, ctx) {
    const { values, positionals } = parse('job', args, { json: { type: 'boolean' } }, { min: 1, max: 1 });
    const id = positionals[0]!;
    const fila = ctx.client();
    const found = await fila.getJob(id);
    if (!found) throw new JobNotFoundError(id);
    if (values.json) {
      const logs = await allLogs(fila, id);
      printJson({ ...jobToJSON(found), logs: logs.map((l) => ({ ...l, at: l.at.toISOString() })) });
      return;
    }
    const logs = await fila.getLogs(id, { limit: SHOWN_LOGS + 1 });
    const more = logs.length > SHOWN_LOGS;
    process.stdout.write(`${jobDetail(found, logs.slice(0, SHOWN_LOGS))}\n`);
    if (more) process.stdout.write(`  … more log lines: fila logs ${id} prints them all\n`);
  },
};
