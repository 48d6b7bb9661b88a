/**
 * Rows of the jobs table and their mapping to the `Job` model. JSON columns arrive parsed (the driver
 * parses json and jsonb); bigint columns arrive as numbers on the store's own pool (its type parser)
 * but as strings on an application's connection (transactional enqueue), so every one goes through
 * `num`. `tenant` is '' for none.
 */
import type { BackoffPolicy, Job, JobError, JobProgress, JobState } from '../../core/job.js';

export interface JobRow {
  seq: number | string;
  id: string;
  task: string;
  queue: string;
  state: JobState;
  priority: number;
  run_at: number | string;
  payload: unknown;
  attempt: number;
  max_attempts: number;
  crash_count: number;
  backoff: BackoffPolicy | null;
  timeout_ms: number | string | null;
  key: string | null;
  tenant: string;
  metadata: Record<string, unknown> | null;
  progress: JobProgress | null;
  result: unknown;
  error: StoredError | null;
  errors: StoredError[] | null;
  lease_token: string | null;
  lease_expires_at: number | string | null;
  worker_id: string | null;
  cancel_requested_at: number | string | null;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
}

export interface StoredError {
  attempt: number;
  at: number;
  name: string;
  message: string;
  code?: string | null;
  stack?: string | null;
  crash?: boolean;
}

/** A bigint column's value as a number (all of Fila's fit in 2^53). */
export function num(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function numOrNull(value: number | string | null): number | null {
  return value === null ? null : num(value);
}

function dateOrNull(value: number | string | null): Date | null {
  return value === null ? null : new Date(num(value));
}

export function toJobError(e: StoredError): JobError {
  const out: JobError = { attempt: e.attempt, at: new Date(e.at), name: e.name, message: e.message };
  if (e.code != null) out.code = e.code;
  if (e.stack != null) out.stack = e.stack;
  if (e.crash) out.crash = true;
  return out;
}

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    task: row.task,
    queue: row.queue,
    state: row.state,
    payload: row.payload,
    priority: row.priority,
    runAt: new Date(num(row.run_at)),
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    crashCount: row.crash_count,
    backoff: row.backoff,
    timeoutMs: numOrNull(row.timeout_ms),
    key: row.key,
    tenant: row.tenant === '' ? null : row.tenant,
    metadata: row.metadata,
    progress: row.progress,
    result: row.result ?? null,
    error: row.error === null ? null : toJobError(row.error),
    errors: row.errors === null ? [] : row.errors.map(toJobError),
    cancelRequested: row.cancel_requested_at !== null,
    workerId: row.worker_id,
    createdAt: new Date(num(row.created_at)),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
  };
}

/** One element of the claim's JSON array: the columns in the order claim.sql lists them. */
type ClaimTuple = [
  seq: number,
  id: string,
  task: string,
  queue: string,
  priority: number,
  runAt: number,
  payload: unknown,
  attempt: number,
  maxAttempts: number,
  crashCount: number,
  backoff: BackoffPolicy | null,
  timeoutMs: number | null,
  key: string | null,
  tenant: string,
  metadata: Record<string, unknown> | null,
  errors: StoredError[] | null,
  createdAt: number,
];

/** Claimed jobs from claim.sql's JSON (already in claim order), each with its lease token and expiry. */
export function claimedFromTuples(
  tuples: ClaimTuple[] | null,
  nonce: string,
  now: number,
  leaseMs: number,
  workerId: string,
): (Job & { token: string; leaseExpiresAt: number })[] {
  if (!tuples) return [];
  const startedAt = new Date(now);
  const leaseExpiresAt = now + leaseMs;
  const out = new Array<Job & { token: string; leaseExpiresAt: number }>(tuples.length);
  for (let i = 0; i < tuples.length; i++) {
    const r = tuples[i]!;
    out[i] = {
      id: r[1],
      task: r[2],
      queue: r[3],
      state: 'active',
      payload: r[6],
      priority: r[4],
      runAt: new Date(r[5]),
      attempt: r[7],
      maxAttempts: r[8],
      crashCount: r[9],
      backoff: r[10],
      timeoutMs: r[11],
      key: r[12],
      tenant: r[13] === '' ? null : r[13],
      metadata: r[14],
      progress: null,
      result: null,
      error: null,
      errors: r[15] === null ? [] : r[15].map(toJobError),
      cancelRequested: false,
      workerId,
      createdAt: new Date(r[16]),
      startedAt,
      finishedAt: null,
      token: leaseToken(nonce, r[0]),
      leaseExpiresAt,
    };
  }
  return out;
}

/**
 * Lease tokens are `<claim nonce>.<seq>`: the nonce (stored in lease_token) fences, the seq locates the
 * row through the primary key. Tokens are opaque outside this store.
 */
export function leaseToken(nonce: string, seq: number): string {
  return `${nonce}.${seq}`;
}

export function parseLeaseToken(token: string): { nonce: string; seq: number } | null {
  if (typeof token !== 'string') return null;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const seq = Number(token.slice(dot + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? { nonce: token.slice(0, dot), seq } : null;
}

/**
 * The smallest job id (UUID v7) that a job created at `ms` can have: ids compare in time order, so
 * `id < idFloor(t)` selects jobs created before t.
 */
export function idFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
