/**
 * Turns an enqueue request (task, payload, options) into a `NewJob` row: resolves the task and its
 * defaults, checks every option, validates the payload against the task's schema and serializes it.
 * Everything that can be wrong is found here, before the store is touched, so a bad request changes
 * nothing. The work is synchronous unless the schema validates asynchronously.
 */
import { normalizeBackoff, type BackoffInput } from '../core/backoff.js';
import { checkTimerMs, parseDuration, type Duration } from '../core/duration.js';
import { PayloadValidationError, UnknownTaskError, ValidationError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Priority } from '../core/job.js';
import { toJsonText } from '../core/json.js';
import { validateWithSchema } from '../core/schema.js';
import type { DedupPolicy, NewJob } from '../core/store.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_QUEUE,
  MAX_ATTEMPTS_LIMIT,
  isTask,
  type AnyTask,
} from '../core/task.js';
import {
  checkDate,
  checkInt,
  checkKey,
  checkKnownKeys,
  checkName,
  isPlainObject,
  toPriority,
} from '../core/validate.js';

export interface EnqueueOptions {
  /** Queue; default: the task's, else `"default"`. */
  queue?: string;
  /** `critical`, `high`, `normal` (default), `low`, or an integer (higher runs first). */
  priority?: Priority;
  /** Run after this long (`"30s"` or ms), measured on the store's clock. */
  delay?: Duration;
  /** Run at or after this time. Exclusive with `delay`. */
  runAt?: Date | string | number;
  /** Attempts before failing for good; default: the task's, else 3. */
  maxAttempts?: number;
  /** Retry policy for this job; default: the task's, else exponential from 1 s. */
  backoff?: BackoffInput;
  /** Time limit per attempt; default: the task's, else none. */
  timeout?: Duration;
  /** Dedup key: at most one unfinished job per tenant holds it. */
  key?: string;
  /** What to do when the key is held: `ignore` (default: return that job), `replace` (overwrite it while it has not started), `reject` (throw DuplicateJobError). */
  dedup?: DedupPolicy;
  /** Tenant the job belongs to (scopes dedup keys, lists and API access). */
  tenant?: string;
  /** Free-form JSON object kept with the job. */
  metadata?: Record<string, unknown>;
  /**
   * The application's open transaction: for SQLite, the better-sqlite3 `Database` connection on which a
   * transaction is open (same file as the store). The job exists iff that transaction commits.
   */
  tx?: unknown;
}

export const ENQUEUE_OPTION_KEYS = [
  'queue',
  'priority',
  'delay',
  'runAt',
  'maxAttempts',
  'backoff',
  'timeout',
  'key',
  'dedup',
  'tenant',
  'metadata',
  'tx',
] as const;

const DEDUP_POLICIES: readonly DedupPolicy[] = ['ignore', 'replace', 'reject'];

export interface EnqueueContext {
  /** Tasks known to the client, by name. */
  tasks: Map<string, AnyTask>;
  /** Refuse names not in `tasks` (true when the client was given a task list). */
  strictTasks: boolean;
  maxPayloadBytes: number;
}

/** A prepared row plus what the caller needs to build the returned Job. */
export interface PreparedJob {
  row: NewJob;
  payload: unknown;
  metadata: Record<string, unknown> | null;
}

export function prepareJob(
  ctx: EnqueueContext,
  taskRef: AnyTask | string,
  payload: unknown,
  options: EnqueueOptions | undefined,
): PreparedJob | Promise<PreparedJob> {
  let task: AnyTask | undefined;
  let taskName: string;
  if (typeof taskRef === 'string') {
    taskName = checkName(taskRef, 'task');
    task = ctx.tasks.get(taskName);
    if (!task && ctx.strictTasks) throw new UnknownTaskError(taskName, [...ctx.tasks.keys()]);
  } else if (isTask(taskRef)) {
    task = taskRef;
    taskName = task.name;
  } else {
    throw new ValidationError('task: expected a task name or a task from defineTask()');
  }
  if (options === undefined) return prepareDefault(ctx, task, taskName, payload);
  const o: EnqueueOptions = options;
  if (!isPlainObject(o as unknown)) throw new ValidationError('options: expected an object');
  checkKnownKeys(o, ENQUEUE_OPTION_KEYS, 'enqueue options');

  const queue = o.queue !== undefined ? checkName(o.queue, 'queue') : (task?.queue ?? DEFAULT_QUEUE);
  const priority = toPriority(o.priority, task?.priority ?? 0);
  if (o.delay !== undefined && o.runAt !== undefined)
    throw new ValidationError('delay and runAt: give one, not both');
  const delayMs = o.delay === undefined ? 0 : parseDuration(o.delay, 'delay');
  const runAt = o.runAt === undefined ? null : checkDate(o.runAt, 'runAt');
  const maxAttempts =
    o.maxAttempts !== undefined
      ? checkInt(o.maxAttempts, 'maxAttempts', 1, MAX_ATTEMPTS_LIMIT)
      : (task?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const backoff = o.backoff !== undefined ? normalizeBackoff(o.backoff) : null;
  let timeoutMs: number | null = null;
  if (o.timeout !== undefined) {
    timeoutMs = checkTimerMs(parseDuration(o.timeout, 'timeout'), 'timeout');
    if (timeoutMs <= 0) throw new ValidationError('timeout: must be greater than zero');
  } else if (task?.timeoutMs !== undefined) {
    timeoutMs = task.timeoutMs;
  }
  const key = o.key === undefined ? null : checkKey(o.key);
  const dedup = o.dedup ?? 'ignore';
  if (!DEDUP_POLICIES.includes(dedup))
    throw new ValidationError(`dedup: expected ignore, replace or reject, got ${JSON.stringify(dedup)}`);
  if (o.dedup !== undefined && key === null) throw new ValidationError('dedup: only meaningful with a key');
  const tenant = o.tenant === undefined ? null : checkName(o.tenant, 'tenant');
  let metadata: Record<string, unknown> | null = null;
  let metadataText: string | null = null;
  if (o.metadata !== undefined) {
    if (!isPlainObject(o.metadata)) throw new ValidationError('metadata: expected a plain JSON object');
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      if (Object.hasOwn(o.metadata, key)) throw new ValidationError(`metadata: "${key}" is a reserved key`);
    }
    metadata = o.metadata;
    metadataText = toJsonText(metadata, 'metadata', 64 * 1024);
  }

  const row: NewJob = {
    id: '',
    task: taskName,
    queue,
    payload: '',
    priority,
    runAt,
    delayMs,
    maxAttempts,
    backoff,
    timeoutMs,
    key,
    tenant,
    metadata: metadataText,
    dedup,
  };
  return withPayload(ctx, task, row, payload, metadata);
}

/** The common case: no options, so the task's defaults (or the global ones) apply. */
function prepareDefault(
  ctx: EnqueueContext,
  task: AnyTask | undefined,
  taskName: string,
  payload: unknown,
): PreparedJob | Promise<PreparedJob> {
  const row: NewJob = {
    id: '',
    task: taskName,
    queue: task?.queue ?? DEFAULT_QUEUE,
    payload: '',
    priority: task?.priority ?? 0,
    runAt: null,
    delayMs: 0,
    maxAttempts: task?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: null,
    timeoutMs: task?.timeoutMs ?? null,
    key: null,
    tenant: null,
    metadata: null,
    dedup: 'ignore',
  };
  return withPayload(ctx, task, row, payload, null);
}

/**
 * Serializes the payload, checks what was serialized against the task's schema (when it has one) and
 * assigns the id. The check reads the payload back from its JSON, as the worker will: a value JSON
 * cannot carry (a Date becomes a string, NaN null, a Map {}) is refused now, not on the worker.
 */
function withPayload(
  ctx: EnqueueContext,
  task: AnyTask | undefined,
  row: NewJob,
  payload: unknown,
  metadata: Record<string, unknown> | null,
): PreparedJob | Promise<PreparedJob> {
  row.payload = toJsonText(payload, `payload of task "${row.task}"`, ctx.maxPayloadBytes);
  const finish = (): PreparedJob => {
    row.id = newId();
    return { row, payload: payload === undefined ? null : payload, metadata };
  };
  if (!task?.schema) return finish();
  const checked = validateWithSchema(task.schema, JSON.parse(row.payload) as unknown);
  if (checked instanceof Promise) {
    return checked.then((c) => {
      if (!c.ok) throw new PayloadValidationError(row.task, c.issues);
      return finish();
    });
  }
  if (!checked.ok) throw new PayloadValidationError(row.task, checked.issues);
  return finish();
}
