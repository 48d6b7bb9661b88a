/**
 * Inserting jobs: plain rows in multi-row statements (chunks of up to 100), rows that differ only in id
 * and payload with insert-uniform (shared columns bound once), and rows with a dedup key one by one
 * through the unique index (insert-keyed), applying the key's policy. Runs inside the caller's
 * transaction (or as one autocommit statement, see store.ts), on the store's connection or the
 * application's.
 */
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { DuplicateJobError, FilaError, ValidationError } from '../../core/errors.js';
import type { JobState } from '../../core/job.js';
import type { InsertResult, NewJob } from '../../core/store.js';
import { rowToJob, type JobRow } from './rows.js';
import { statements as sql } from './sql.gen.js';
import { multiRow, prepared, splitValues } from './statements.js';

type DB = Database.Database;

/** Rows per multi-row INSERT statement (14 parameters each). */
export const INSERT_CHUNK = 100;

const INSERT = splitValues(sql.insert);
const INSERT_UNIFORM = splitValues(sql.insertUniform);

export function insertJobs(db: DB, jobs: NewJob[], now: number): InsertResult[] {
  const results = new Array<InsertResult>(jobs.length);
  const plain: number[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i]!;
    if (job.key === null) plain.push(i);
    else results[i] = insertKeyed(db, job, now);
  }
  for (let start = 0; start < plain.length; start += INSERT_CHUNK) {
    const chunk = plain.slice(start, start + INSERT_CHUNK);
    if (chunk.length > 1 && insertUniform(db, jobs, chunk, now, results)) continue;
    const values: unknown[] = new Array(chunk.length * 14);
    let o = 0;
    for (const i of chunk) {
      const job = jobs[i]!;
      const runAt = job.runAt ?? now + job.delayMs;
      const state: JobState = runAt > now ? 'scheduled' : 'queued';
      values[o++] = job.id;
      values[o++] = job.task;
      values[o++] = job.queue;
      values[o++] = state;
      values[o++] = job.priority;
      values[o++] = runAt;
      values[o++] = job.payload;
      values[o++] = job.maxAttempts;
      values[o++] = job.backoff === null ? null : JSON.stringify(job.backoff);
      values[o++] = job.timeoutMs;
      values[o++] = null;
      values[o++] = job.tenant ?? '';
      values[o++] = job.metadata;
      values[o++] = now;
      results[i] = { id: job.id, outcome: 'inserted', state, runAt, createdAt: now };
    }
    prepared(db, multiRow(INSERT, chunk.length)).run(values);
  }
  return results;
}

/** Inserts a chunk whose rows differ only in id and payload with insert-uniform; false if they differ more. */
function insertUniform(
  db: DB,
  jobs: NewJob[],
  chunk: number[],
  now: number,
  results: InsertResult[],
): boolean {
  const first = jobs[chunk[0]!]!;
  const backoff = first.backoff === null ? null : JSON.stringify(first.backoff);
  for (const i of chunk) {
    const job = jobs[i]!;
    if (
      job.task !== first.task ||
      job.queue !== first.queue ||
      job.priority !== first.priority ||
      job.runAt !== first.runAt ||
      job.delayMs !== first.delayMs ||
      job.maxAttempts !== first.maxAttempts ||
      job.timeoutMs !== first.timeoutMs ||
      job.tenant !== first.tenant ||
      job.metadata !== first.metadata ||
      (job.backoff === null ? backoff !== null : JSON.stringify(job.backoff) !== backoff)
    ) {
      return false;
    }
  }
  const runAt = first.runAt ?? now + first.delayMs;
  const state: JobState = runAt > now ? 'scheduled' : 'queued';
  const values: unknown[] = new Array(chunk.length * 2);
  let o = 0;
  for (const i of chunk) {
    const job = jobs[i]!;
    values[o++] = job.id;
    values[o++] = job.payload;
    results[i] = { id: job.id, outcome: 'inserted', state, runAt, createdAt: now };
  }
  prepared(db, multiRow(INSERT_UNIFORM, chunk.length)).run(values, {
    task: first.task,
    queue: first.queue,
    state,
    priority: first.priority,
    run_at: runAt,
    max_attempts: first.maxAttempts,
    backoff,
    timeout_ms: first.timeoutMs,
    tenant: first.tenant ?? '',
    metadata: first.metadata,
    now,
  });
  return true;
}

function insertKeyed(db: DB, job: NewJob, now: number): InsertResult {
  const runAt = job.runAt ?? now + job.delayMs;
  const state: JobState = runAt > now ? 'scheduled' : 'queued';
  const row = {
    id: job.id,
    task: job.task,
    queue: job.queue,
    state,
    priority: job.priority,
    run_at: runAt,
    payload: job.payload,
    max_attempts: job.maxAttempts,
    backoff: job.backoff === null ? null : JSON.stringify(job.backoff),
    timeout_ms: job.timeoutMs,
    key: job.key,
    tenant: job.tenant ?? '',
    metadata: job.metadata,
    now,
  };
  if (prepared(db, sql.insertKeyed).get(row) !== undefined) {
    return { id: job.id, outcome: 'inserted', state, runAt, createdAt: now };
  }
  const existing = prepared(db, sql.findByKey).get({ tenant: row.tenant, key: job.key }) as
    JobRow | undefined;
  if (!existing)
    throw new FilaError('store_error', `dedup key "${job.key}" conflicted but no holder was found`);
  if (job.dedup === 'reject') throw new DuplicateJobError(job.key!, existing.id);
  if (job.dedup === 'replace') {
    const replaced = prepared(db, sql.replace).get({
      seq: existing.seq,
      task: row.task,
      queue: row.queue,
      state,
      priority: row.priority,
      run_at: runAt,
      payload: row.payload,
      max_attempts: row.max_attempts,
      backoff: row.backoff,
      timeout_ms: row.timeout_ms,
      metadata: row.metadata,
    }) as JobRow | undefined;
    if (replaced) {
      return {
        id: replaced.id,
        outcome: 'replaced',
        state,
        runAt,
        createdAt: replaced.created_at,
        job: rowToJob(replaced),
      };
    }
  }
  return {
    id: existing.id,
    outcome: 'existing',
    state: existing.state,
    runAt: existing.run_at,
    createdAt: existing.created_at,
    job: rowToJob(existing),
  };
}

/**
 * The application's connection `tx` for a transactional insert, once it is known to be a better-sqlite3
 * connection to the store's own file (`path`; `own` is the store's connection).
 */
export function foreignConnection(tx: unknown, own: DB, path: string): DB {
  const db = tx as DB;
  if (tx === own) return db;
  if (
    !db ||
    typeof db.prepare !== 'function' ||
    typeof db.transaction !== 'function' ||
    typeof db.name !== 'string'
  ) {
    throw new ValidationError(
      'tx: expected a better-sqlite3 Database (the connection holding your transaction)',
    );
  }
  if (!db.open) throw new ValidationError('tx: the database connection is closed');
  if (resolve(db.name) !== path) {
    throw new ValidationError(
      `tx: the connection is to ${db.name}, but Fila's store is ${path}; they must be the same file`,
    );
  }
  return db;
}
