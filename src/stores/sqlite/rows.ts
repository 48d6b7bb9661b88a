/**
 * Rows of fila_jobs and their mapping to the `Job` model. Columns are snake_case integers and JSON
 * text; `tenant` is '' for none.
 */
import type { BackoffPolicy, Job, JobProgress, JobState } from '../../core/job.js';
import { claimedJob, toJobError, type ClaimTuple, type StoredError } from '../shared.js';

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
  const rows = JSON.parse(json) as ClaimTuple[];
  const out = new Array<ClaimedRow>(rows.length);
  const startedAt = new Date(now);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = { seq: r[0], priority: r[4], runAt: r[5], job: claimedJob(r, r[7] + 1, workerId, startedAt) };
  }
  return out;
}
