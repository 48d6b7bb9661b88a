/**
 * Rows of the jobs table and their mapping to the `Job` model. JSON columns arrive parsed (the driver
 * parses json and jsonb); bigint columns arrive as numbers on the store's own pool (its type parser)
 * but as strings on an application's connection (transactional enqueue), so every one goes through
 * `num`. `tenant` is '' for none.
 */
import type { BackoffPolicy, Job, JobProgress, JobState } from '../../core/job.js';
import { claimedJob, leaseToken, toJobError, type ClaimTuple, type StoredError } from '../shared.js';

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
    out[i] = Object.assign(claimedJob(r, r[7], workerId, startedAt), {
      token: leaseToken(nonce, r[0], r[1]),
      leaseExpiresAt,
    });
  }
  return out;
}
