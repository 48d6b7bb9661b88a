/**
 * The worker's options: their types and documentation, their defaults, and their validation. Every
 * option is checked when the worker is created, so a bad value fails at `fila.worker(...)` with a
 * ValidationError naming it, before anything starts.
 */
import { hostname } from 'node:os';
import {
  DEFAULT_BACKOFF,
  normalizeBackoff,
  type BackoffFunction,
  type BackoffInput,
} from '../core/backoff.js';
import { checkTimerMs, parseDuration, type Duration } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';
import { randomToken } from '../core/ids.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../core/json.js';
import type { BackoffPolicy } from '../core/job.js';
import { isTask, type AnyTask } from '../core/task.js';
import { checkInt, checkKnownKeys, checkName, isPlainObject } from '../core/validate.js';

/** Retention of finished jobs per state; `false` keeps them until cleaned by hand. */
export interface RetentionOptions {
  completed?: Duration | false;
  failed?: Duration | false;
  cancelled?: Duration | false;
}

export interface WorkerOptions {
  /** The tasks this worker runs. */
  tasks: AnyTask[] | Record<string, AnyTask>;
  /** Queues to take jobs from. Default: the queues of its tasks. */
  queues?: string[];
  /** Jobs run at the same time. Default 10. */
  concurrency?: number;
  /** Lease length: a crashed worker's jobs run again after about lease + rescue interval. Default 30 s. */
  lease?: Duration;
  /** How often all leases are renewed (one store call). Default lease / 3. */
  heartbeatInterval?: Duration;
  /** How often the worker asks whether its running jobs were cancelled. Default 1 s. */
  cancelCheckInterval?: Duration;
  /** Safety-net poll for new work, ± 20% jitter. Default 1 s. */
  pollInterval?: Duration;
  /**
   * How often expired leases are rescued, and overdue jobs of queues no live worker serves are marked
   * queued. Default 15 s.
   */
  rescueInterval?: Duration;
  /** Lease expiries (crashes) after which a job fails instead of running again. Default 3. */
  maxCrashes?: number;
  /** How long `stop()` waits for running jobs before aborting and releasing them. Default 10 s. */
  shutdownGrace?: Duration;
  /**
   * How long a handler may run on after its signal was aborted (timeout, cancel, lost lease) before the
   * worker reports it (`worker:error`) and frees its slot for other jobs; the handler's code may still be
   * running then, since JavaScript cannot stop it. Default 10 s.
   */
  abortGrace?: Duration;
  /** Stop gracefully on SIGINT/SIGTERM, then let the signal end the process. Default true. */
  handleSignals?: boolean;
  /**
   * How long finished jobs are kept. Default: completed 7 d, failed 30 d, cancelled 7 d. `false`: never
   * pruned.
   */
  retention?: RetentionOptions | false;
  /** How often the retention pruner runs. Default 60 s. */
  pruneInterval?: Duration;
  /** Backoff for tasks and jobs that define none. Default: exponential from 1 s, ×2, ≤ 1 h, 25% jitter. */
  backoff?: BackoffInput | BackoffFunction;
  /** Largest accepted handler result, in bytes of JSON. Default 1 MiB. */
  maxResultBytes?: number;
  /** Worker id, shown in jobs and the registry. Default host:pid:random. */
  id?: string;
  /**
   * Jobs claimed ahead of free slots. `auto` (default): while handlers take under 5 ms on average, enough
   * for claims of about 128 jobs, or the store's `claimBatch` (1,024 on PostgreSQL), but never more than
   * about 20 ms of work per slot at the mean handler time, nor more than the worker starts in 40 ms at its
   * measured rate (but at least one job); none for longer jobs. A number fixes it; 0 claims only for free
   * slots.
   */
  prefetch?: number | 'auto';
  /**
   * Keep V8's heap close to what the process holds, for the whole process (see worker/heap.ts): the young
   * generation at its starting size, the old one grown to 1.5× what survives a full collection. About
   * 20 MB less peak RSS under load, at about the same throughput. Default true. Process-wide and permanent:
   * `false` leaves V8's sizing alone only if no other worker of the process started with the default. Each
   * part is skipped when Node was started with a flag of its own for it.
   */
  leanHeap?: boolean;
}

const WORKER_KEYS = [
  'tasks',
  'queues',
  'concurrency',
  'lease',
  'heartbeatInterval',
  'cancelCheckInterval',
  'pollInterval',
  'rescueInterval',
  'maxCrashes',
  'shutdownGrace',
  'abortGrace',
  'handleSignals',
  'retention',
  'pruneInterval',
  'backoff',
  'maxResultBytes',
  'id',
  'prefetch',
  'leanHeap',
];

const DEFAULT_RETENTION: Record<'completed' | 'failed' | 'cancelled', number> = {
  completed: 7 * 86_400_000,
  failed: 30 * 86_400_000,
  cancelled: 7 * 86_400_000,
};

/** How long finished jobs of each state are kept, in ms; states left out are kept until cleaned. */
export type Retention = ['completed' | 'failed' | 'cancelled', number][];

/** Every option checked, with its default applied. */
export interface ResolvedWorkerOptions {
  tasks: Map<string, AnyTask>;
  queues: readonly string[];
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  cancelCheckMs: number;
  pollIntervalMs: number;
  rescueIntervalMs: number;
  maxCrashes: number;
  shutdownGraceMs: number;
  abortGraceMs: number;
  handleSignals: boolean;
  leanHeap: boolean;
  pruneIntervalMs: number;
  retention: Retention;
  backoff: BackoffPolicy | BackoffFunction;
  maxResultBytes: number;
  prefetch: number | 'auto';
  id: string;
}

/** Checks a worker's options and applies the defaults; throws ValidationError naming a bad one. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  if (!isPlainObject(options)) throw new ValidationError('worker: expected an options object { tasks, ... }');
  checkKnownKeys(options, WORKER_KEYS, 'worker');
  const list = Array.isArray(options.tasks)
    ? options.tasks
    : isPlainObject(options.tasks)
      ? Object.values(options.tasks)
      : null;
  if (!list)
    throw new ValidationError('worker: tasks must be an array (or object) of tasks from defineTask()');
  const tasks = new Map<string, AnyTask>();
  for (const task of list) {
    if (!isTask(task)) throw new ValidationError('worker: tasks must be created with defineTask()');
    if (tasks.has(task.name)) throw new ValidationError(`worker: task "${task.name}" is given twice`);
    tasks.set(task.name, task);
  }
  const queues = options.queues ?? [...new Set(list.map((t) => t.queue))];
  if (!Array.isArray(queues) || queues.length === 0) {
    throw new ValidationError('worker: no queues to work on; give tasks or queues');
  }
  const leaseMs = ms(options.lease, 30_000, 'lease', 1_000);
  const heartbeatMs = ms(options.heartbeatInterval, Math.floor(leaseMs / 3), 'heartbeatInterval', 100);
  if (heartbeatMs > leaseMs / 2) {
    throw new ValidationError('worker: heartbeatInterval must be at most half the lease (default: a third)');
  }
  if (options.leanHeap !== undefined && typeof options.leanHeap !== 'boolean') {
    throw new ValidationError('worker: leanHeap must be true or false');
  }
  if (options.prefetch !== undefined && options.prefetch !== 'auto') {
    checkInt(options.prefetch, 'worker: prefetch', 0, 10_000);
  }
  return {
    tasks,
    queues: Object.freeze([...new Set(queues.map((q) => checkName(q, 'worker: queues')))]),
    concurrency:
      options.concurrency === undefined
        ? 10
        : checkInt(options.concurrency, 'worker: concurrency', 1, 10_000),
    leaseMs,
    heartbeatMs,
    cancelCheckMs: ms(options.cancelCheckInterval, 1000, 'cancelCheckInterval', 50),
    pollIntervalMs: ms(options.pollInterval, 1000, 'pollInterval', 10),
    rescueIntervalMs: ms(options.rescueInterval, 15_000, 'rescueInterval', 100),
    maxCrashes:
      options.maxCrashes === undefined ? 3 : checkInt(options.maxCrashes, 'worker: maxCrashes', 1, 1000),
    shutdownGraceMs: ms(options.shutdownGrace, 10_000, 'shutdownGrace', 0),
    abortGraceMs: ms(options.abortGrace, 10_000, 'abortGrace', 10),
    handleSignals: options.handleSignals ?? true,
    leanHeap: options.leanHeap ?? true,
    pruneIntervalMs: ms(options.pruneInterval, 60_000, 'pruneInterval', 100),
    retention: resolveRetention(options.retention),
    backoff:
      options.backoff === undefined
        ? DEFAULT_BACKOFF
        : typeof options.backoff === 'function'
          ? options.backoff
          : normalizeBackoff(options.backoff, 'worker: backoff'),
    maxResultBytes:
      options.maxResultBytes === undefined
        ? DEFAULT_MAX_PAYLOAD_BYTES
        : checkInt(options.maxResultBytes, 'worker: maxResultBytes', 1, 64 * 1024 * 1024),
    prefetch: options.prefetch ?? 'auto',
    id:
      options.id === undefined
        ? `${hostname()}:${process.pid}:${randomToken(3)}`
        : checkName(options.id, 'worker: id'),
  };
}

function ms(value: Duration | undefined, fallback: number, what: string, min: number): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value, `worker: ${what}`);
  if (parsed < min) throw new ValidationError(`worker: ${what} must be at least ${min} ms`);
  return checkTimerMs(parsed, `worker: ${what}`);
}

function resolveRetention(options: RetentionOptions | false | undefined): Retention {
  if (options === false) return [];
  if (options !== undefined && !isPlainObject(options as unknown))
    throw new ValidationError('worker: retention must be an object or false');
  if (options) checkKnownKeys(options, ['completed', 'failed', 'cancelled'], 'worker: retention');
  const out: Retention = [];
  for (const state of ['completed', 'failed', 'cancelled'] as const) {
    const value = options?.[state];
    if (value === false) continue;
    out.push([
      state,
      value === undefined ? DEFAULT_RETENTION[state] : parseDuration(value, `worker: retention.${state}`),
    ]);
  }
  return out;
}
