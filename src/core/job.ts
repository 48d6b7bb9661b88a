/**
 * The job model: the eight states, priorities, and the shape of a job as every store, the API and
 * the CLI present it. One vocabulary everywhere: a state is named here once and nowhere else.
 *
 * Invariants: `attempt` counts runs that may end in an error (a run that ended because the worker
 * crashed or shut down is not counted; see `crashCount`); a job in a terminal state never changes
 * again except through an explicit retry.
 */

/** Every state a job can be in. */
export const JOB_STATES = [
  'scheduled',
  'queued',
  'active',
  'retrying',
  'blocked',
  'completed',
  'failed',
  'cancelled',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves on its own. */
export const TERMINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/** States in which a job still has work ahead of it; a dedup key is unique among these. */
export const UNFINISHED_STATES: readonly JobState[] = [
  'scheduled',
  'queued',
  'active',
  'retrying',
  'blocked',
];

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

export function isTerminalState(state: JobState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

/**
 * Named priorities. Higher numbers run first; any integer in
 * [`MIN_PRIORITY`, `MAX_PRIORITY`] is accepted too.
 */
export const PRIORITIES = { critical: 20, high: 10, normal: 0, low: -10 } as const;
export type PriorityName = keyof typeof PRIORITIES;
export type Priority = PriorityName | number;
export const MIN_PRIORITY = -1000;
export const MAX_PRIORITY = 1000;

/** The name of a priority value when it has one (`10` → `high`), else the number as text. */
export function priorityLabel(priority: number): string {
  for (const [name, value] of Object.entries(PRIORITIES)) if (value === priority) return name;
  return String(priority);
}

/** How the delay before a retry grows. Stored on the job, so it survives restarts. */
export interface BackoffPolicy {
  type: 'fixed' | 'exponential';
  /** Base delay in milliseconds. */
  delayMs: number;
  /** Growth factor per attempt for `exponential` (delay × factor^(attempt−1)). */
  factor: number;
  /** Upper bound of any single delay, in milliseconds. */
  maxDelayMs: number;
  /** 0..1: each delay is multiplied by a random factor in [1 − jitter, 1]. */
  jitter: number;
}

/** An error as recorded on a job: the last one in `error`, all of them in `errors`. */
export interface JobError {
  /** The attempt that produced it. */
  attempt: number;
  /** When it was recorded (store clock). */
  at: Date;
  name: string;
  message: string;
  /** The error's `code` when it had a string one. */
  code?: string;
  stack?: string;
  /** True when the attempt ended because the worker's lease expired (crash), not by an error. */
  crash?: boolean;
}

export interface JobProgress {
  /** 0..100 */
  percent: number;
  message: string | null;
}

/** A job as stored. `P` is the payload type, `R` the result type. */
export interface Job<P = unknown, R = unknown> {
  /** Opaque, unique, time-ordered id (UUID v7). */
  id: string;
  task: string;
  queue: string;
  state: JobState;
  payload: P;
  /** Higher runs first; `normal` is 0. */
  priority: number;
  /** When the job may run (store clock). */
  runAt: Date;
  /** Runs started that count towards `maxAttempts` (1 while the first run is active). */
  attempt: number;
  maxAttempts: number;
  /** Runs that ended because a worker crashed or lost its lease. */
  crashCount: number;
  /** The job's own retry policy; `null` uses the task's or the worker's default. */
  backoff: BackoffPolicy | null;
  /** Per-attempt time limit in milliseconds; `null` uses the task's, if any. */
  timeoutMs: number | null;
  /** Dedup key, unique per tenant among unfinished jobs. */
  key: string | null;
  tenant: string | null;
  metadata: Record<string, unknown> | null;
  progress: JobProgress | null;
  result: R | null;
  /** The last error, if the last attempt failed. */
  error: JobError | null;
  /** Every recorded error, oldest first. */
  errors: JobError[];
  /** True while a running job has been asked to stop by `cancel`. */
  cancelRequested: boolean;
  /** The worker holding the job while it is `active`. */
  workerId: string | null;
  createdAt: Date;
  /** Start of the latest run. */
  startedAt: Date | null;
  /** When the job reached a terminal state. */
  finishedAt: Date | null;
}

/** Filters shared by list, count, bulk retry, bulk cancel and clean. */
export interface JobFilter {
  queue?: string;
  state?: JobState | JobState[];
  task?: string;
  tenant?: string;
}

/** The job as plain JSON, as the CLI's `--json` and the HTTP API print it. */
export function jobToJSON(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    task: job.task,
    queue: job.queue,
    state: job.state,
    priority: job.priority,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    crashCount: job.crashCount,
    payload: job.payload,
    result: job.result,
    error: job.error ? errorToJSON(job.error) : null,
    errors: job.errors.map(errorToJSON),
    progress: job.progress,
    key: job.key,
    tenant: job.tenant,
    metadata: job.metadata,
    backoff: job.backoff,
    timeoutMs: job.timeoutMs,
    cancelRequested: job.cancelRequested,
    workerId: job.workerId,
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

function errorToJSON(e: JobError): Record<string, unknown> {
  return { ...e, at: e.at.toISOString() };
}
