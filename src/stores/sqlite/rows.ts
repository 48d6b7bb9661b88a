/**
 * Rows of fila_jobs and their mapping to the `Job` model. Columns are snake_case integers and JSON
 * text; `tenant` is '' for none.
 */
import type { BackoffPolicy, Job, JobError, JobProgress, JobState } from '../../core/job.js';

export interface JobRow {
  seq: number;
  id: string;
  task: string;
  queue: string;
  state: JobState;
  priority: number;
  run_at: number;
  payload: string;
  attempt: number;
  max_attempts: number;
  crash_count: number;
  backoff: string | null;
  timeout_ms: number | null;
  key: string | null;
  tenant: string;
  metadata: string | null;
  progress: string | null;
  result: string | null;
  error: string | null;
  errors: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  worker_id: string | null;
  cancel_requested_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

interface StoredError {
  attempt: number;
  at: number;
  name: string;
  message: string;
  code?: string | null;
  stack?: string | null;
  crash?: boolean;
}

function toJobError(e: StoredError): JobError {
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
    payload: JSON.parse(row.payload) as unknown,
    priority: row.priority,
    runAt: new Date(row.run_at),
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    crashCount: row.crash_count,
    backoff: row.backoff === null ? null : (JSON.parse(row.backoff) as BackoffPolicy),
    timeoutMs: row.timeout_ms,
    key: row.key,
    tenant: row.tenant === '' ? null : row.tenant,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    progress: row.progress === null ? null : (JSON.parse(row.progress) as JobProgress),
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error === null ? null : toJobError(JSON.parse(row.error) as StoredError),
    errors: row.errors === null ? [] : (JSON.parse(row.errors) as StoredError[]).map(toJobError),
    cancelRequested: row.cancel_requested_at !== null,
    workerId: row.worker_id,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at === null ? null : new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

/**
 * The smallest job id (UUID v7) that a job created at `ms` can have: ids compare as text in time
 * order, so `id < idFloor(t)` selects jobs created before t.
 */
export function idFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** One row of claim-rows.sql: the columns in the order that statement lists them. */
type ClaimRow = [
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

export interface ClaimedRow {
  seq: number;
  priority: number;
  runAt: number;
  job: Job;
}

/**
 * Jobs from claim-rows.sql's JSON, as they are once claimed (the claim's UPDATE runs after the read:
 * state, attempt, lease and start time are filled in here).
 */
export function claimedFromJson(json: string, now: number, workerId: string): ClaimedRow[] {
  const rows = JSON.parse(json) as ClaimRow[];
  const out = new Array<ClaimedRow>(rows.length);
  const startedAt = new Date(now);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = {
      seq: r[0],
      priority: r[4],
      runAt: r[5],
      job: {
        id: r[1],
        task: r[2],
        queue: r[3],
        state: 'active',
        payload: r[6],
        priority: r[4],
        runAt: new Date(r[5]),
        attempt: r[7] + 1,
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
      },
    };
  }
  return out;
}

/**
 * Lease tokens are `<claim nonce>.<rowid>`: the nonce (stored in lease_token) fences, the rowid locates
 * the row without going through the id index. Tokens are opaque outside this store.
 */
export function leaseToken(nonce: string, seq: number): string {
  return `${nonce}.${seq}`;
}

export function parseLeaseToken(token: string): { nonce: string; seq: number } | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const seq = Number(token.slice(dot + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? { nonce: token.slice(0, dot), seq } : null;
}
