/**
 * Inserting jobs: rows without a dedup key go in one statement per batch (columns as arrays, unnested
 * in order; rows that differ only in id and payload bind the rest once; a lone row as plain VALUES,
 * which runs faster), rows with a key one by one through the unique index, applying the key's policy.
 * Runs on whatever `run` executes statements on: the pool (one autocommit statement), a transaction of the
 * store's, or the application's own transaction (`foreignRun` turns what the application passed as `tx`
 * into such a runner, refusing what cannot be its transaction).
 */
import pg from 'pg';
import { DuplicateJobError, FilaError, ValidationError } from '../../core/errors.js';
import type { JobState } from '../../core/job.js';
import type { InsertResult, NewJob } from '../../core/store.js';
import { num, rowToJob, type JobRow } from './rows.js';

/** Runs one statement and returns its rows. */
export type Run = (text: string, values: unknown[]) => Promise<unknown[]>;

export interface InsertStatements {
  insert: string;
  insertUniform: string;
  insertOne: string;
  insertKeyed: string;
  findByKey: string;
  replace: string;
  channel: string;
}

/** Most rows per insert statement (bounds one statement's memory on the server). */
export const INSERT_CHUNK = 5000;

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
/** Durations and instants go to bigint columns: whole milliseconds. */
const ms = (value: number | null) => (value === null ? null : Math.round(value));

export async function insertJobs(run: Run, sql: InsertStatements, jobs: NewJob[]): Promise<InsertResult[]> {
  const results = new Array<InsertResult>(jobs.length);
  const plain: number[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i]!;
    if (job.key === null) plain.push(i);
    else results[i] = await insertKeyed(run, sql, job);
  }
  if (plain.length === 1) {
    results[plain[0]!] = await insertOne(run, sql, jobs[plain[0]!]!);
    return results;
  }
  for (let start = 0; start < plain.length; start += INSERT_CHUNK) {
    const chunk = plain.slice(start, start + INSERT_CHUNK);
    const n = chunk.length;
    const cols = Array.from({ length: 12 }, () => new Array<unknown>(n));
    for (let k = 0; k < n; k++) {
      const job = jobs[chunk[k]!]!;
      cols[0]![k] = job.id;
      cols[1]![k] = job.task;
      cols[2]![k] = job.queue;
      cols[3]![k] = job.priority;
      cols[4]![k] = ms(job.runAt);
      cols[5]![k] = ms(job.delayMs);
      cols[6]![k] = job.payload;
      cols[7]![k] = job.maxAttempts;
      cols[8]![k] = json(job.backoff);
      cols[9]![k] = ms(job.timeoutMs);
      cols[10]![k] = job.tenant ?? '';
      cols[11]![k] = job.metadata;
    }
    const [row] = (await run(...insertStatement(sql, cols))) as { now: number | string }[];
    const now = num(row!.now);
    for (const i of chunk) {
      const job = jobs[i]!;
      const runAt = ms(job.runAt) ?? now + ms(job.delayMs)!;
      const state: JobState = runAt > now ? 'scheduled' : 'queued';
      results[i] = { id: job.id, outcome: 'inserted', state, runAt, createdAt: now };
    }
  }
  return results;
}

/** Columns (as insertJobs builds them) that insert-uniform.sql binds once when every row agrees. */
const SHARED_COLUMNS = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11];

/** insert-uniform.sql when the rows differ only in id and payload (a typical bulk enqueue), else insert.sql. */
function insertStatement(sql: InsertStatements, cols: unknown[][]): [string, unknown[]] {
  const uniform = SHARED_COLUMNS.every((c) => {
    const col = cols[c]!;
    const first = col[0];
    for (let k = 1; k < col.length; k++) if (col[k] !== first) return false;
    return true;
  });
  if (!uniform) return [sql.insert, [...cols, sql.channel]];
  const shared = (c: number) => cols[c]![0];
  return [
    sql.insertUniform,
    [
      cols[0],
      shared(1),
      shared(2),
      shared(3),
      shared(4),
      shared(5),
      cols[6],
      shared(7),
      shared(8),
      shared(9),
      shared(10),
      shared(11),
      sql.channel,
    ],
  ];
}

async function insertOne(run: Run, sql: InsertStatements, job: NewJob): Promise<InsertResult> {
  const [row] = (await run(sql.insertOne, [
    job.id,
    job.task,
    job.queue,
    job.priority,
    ms(job.runAt),
    ms(job.delayMs),
    job.payload,
    job.maxAttempts,
    json(job.backoff),
    ms(job.timeoutMs),
    job.tenant ?? '',
    job.metadata,
    sql.channel,
  ])) as { now: number | string; state: JobState; run_at: number | string }[];
  return {
    id: job.id,
    outcome: 'inserted',
    state: row!.state,
    runAt: num(row!.run_at),
    createdAt: num(row!.now),
  };
}

async function insertKeyed(run: Run, sql: InsertStatements, job: NewJob): Promise<InsertResult> {
  const tenant = job.tenant ?? '';
  const shared = [ms(job.runAt), ms(job.delayMs), job.payload, job.maxAttempts, json(job.backoff)];
  // The holder of the key can finish between the refused insert and the lookup: then insert again.
  for (let round = 0; round < 3; round++) {
    const inserted = (await run(sql.insertKeyed, [
      job.id,
      job.task,
      job.queue,
      job.priority,
      ...shared,
      ms(job.timeoutMs),
      job.key,
      tenant,
      job.metadata,
      sql.channel,
    ])) as { now: number | string; state: JobState; run_at: number | string }[];
    if (inserted[0]) {
      const r = inserted[0];
      return { id: job.id, outcome: 'inserted', state: r.state, runAt: num(r.run_at), createdAt: num(r.now) };
    }
    const [existing] = (await run(sql.findByKey, [tenant, job.key])) as JobRow[];
    if (!existing) continue;
    if (job.dedup === 'reject') throw new DuplicateJobError(job.key!, existing.id);
    if (job.dedup === 'replace') {
      const [replaced] = (await run(sql.replace, [
        existing.seq,
        job.task,
        job.queue,
        job.priority,
        ...shared,
        ms(job.timeoutMs),
        job.metadata,
        sql.channel,
      ])) as JobRow[];
      if (replaced) {
        const out = rowToJob(replaced);
        return {
          id: out.id,
          outcome: 'replaced',
          state: out.state,
          runAt: out.runAt.getTime(),
          createdAt: out.createdAt.getTime(),
          job: out,
        };
      }
    }
    const out = rowToJob(existing);
    return {
      id: out.id,
      outcome: 'existing',
      state: out.state,
      runAt: out.runAt.getTime(),
      createdAt: out.createdAt.getTime(),
      job: out,
    };
  }
  throw new FilaError('store_error', `dedup key "${job.key}" kept changing hands; try again`);
}

/** How statements run on an application's connection (transactional enqueue). */
export function foreignRun(tx: unknown): Run {
  const client = tx as { query?: unknown; connect?: unknown; totalCount?: unknown } | null;
  if (tx instanceof pg.Pool || (client && typeof client.totalCount === 'number')) {
    // Each query on a pool may run on a different connection: never inside the caller's transaction.
    throw new ValidationError(
      'tx: got a pg.Pool; pass the client your transaction runs on (const client = await pool.connect(); BEGIN; …)',
    );
  }
  if (client && typeof client.query === 'function') {
    const query = client.query as (text: string, values: unknown[]) => Promise<unknown>;
    return async (text, values) => {
      const result = await query.call(client, text, values);
      return Array.isArray(result) ? result : ((result as { rows?: unknown[] })?.rows ?? []);
    };
  }
  throw new ValidationError(
    'tx: expected the pg client holding your open transaction (an object with query(text, values))',
  );
}
