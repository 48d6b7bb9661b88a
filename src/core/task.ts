/**
 * Typed task definitions. `defineTask` checks a definition once, at startup, and carries the payload
 * and result types so that `enqueue(task, payload)` is checked by the compiler: with a schema the
 * payload type is the schema's input (and the handler receives its output); without one it is the type
 * of the handler's first parameter.
 */
import type { BackoffPolicy, Job, Priority } from './job.js';
import { normalizeBackoff, type BackoffFunction, type BackoffInput } from './backoff.js';
import { checkTimerMs, parseDuration, type Duration } from './duration.js';
import { ValidationError } from './errors.js';
import { isStandardSchema, type StandardSchemaV1 } from './schema.js';
import { checkInt, checkKnownKeys, checkName, toPriority } from './validate.js';

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_ATTEMPTS_LIMIT = 1000;

/** What a handler receives besides its payload. */
export interface TaskContext<P = unknown> {
  /** The job being run: id, task, queue, attempt (1 on the first run), payload, … */
  readonly job: Job<P>;
  /** Aborted when the attempt times out, the job is cancelled, the lease is lost or the worker shuts down. */
  readonly signal: AbortSignal;
  /** Stores progress (0–100, with an optional message); readable while the job runs. */
  progress(percent: number, message?: string): Promise<void>;
  /** Appends a line to the job's log. */
  log(message: string): Promise<void>;
  /** Ends this run and runs the job again after `delay`, without spending an attempt. */
  snooze(delay: Duration): never;
  /** Fails the job now, without retries. */
  fail(reason: string | Error): never;
}

export type TaskHandler<P, R> = (payload: P, ctx: TaskContext<P>) => R | Promise<R>;

/** Options shared by every task definition. */
export interface TaskOptions {
  /** Unique task name: 1–128 letters, digits or `_ . : / -`. */
  name: string;
  /** Queue its jobs go to. Default `"default"`. */
  queue?: string;
  /** Attempts before the job fails for good (errors only; crashes are counted apart). Default 3. */
  maxAttempts?: number;
  /** Delay between attempts: a policy, or a function of (attempt, error) → ms. Default: exponential from 1 s. */
  backoff?: BackoffInput | BackoffFunction;
  /** Time limit per attempt (`"5m"` or ms); the handler's signal aborts when it passes. Default: none. */
  timeout?: Duration;
  /** Default priority of its jobs. Default `normal`. */
  priority?: Priority;
}

export interface TaskDefinition<P, R> extends TaskOptions {
  handler: TaskHandler<P, R>;
  schema?: undefined;
}

export interface SchemaTaskDefinition<S extends StandardSchemaV1, R> extends TaskOptions {
  handler: TaskHandler<StandardSchemaV1.InferOutput<S>, R>;
  /** Any Standard Schema validator (zod, valibot, arktype…): checked at enqueue and before the handler runs. */
  schema: S;
}

/** A checked task definition. `I` is what `enqueue` accepts, `O` what the handler receives, `R` its result. */
export interface Task<I = unknown, O = I, R = unknown> {
  readonly kind: 'fila.task';
  readonly name: string;
  readonly queue: string;
  readonly maxAttempts: number | undefined;
  readonly backoff: BackoffPolicy | BackoffFunction | undefined;
  readonly timeoutMs: number | undefined;
  readonly priority: number | undefined;
  readonly schema: StandardSchemaV1<I, O> | undefined;
  readonly handler: TaskHandler<O, R>;
  /** Type carrier only; never set. */
  readonly types?: { input: I; output: O; result: R };
}

/** Any task, whatever its types (for lists of tasks). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, any, any>;

export type TaskInput<T> = T extends Task<infer I, unknown, unknown> ? I : never;

const TASK_KEYS = ['name', 'handler', 'queue', 'maxAttempts', 'backoff', 'timeout', 'priority', 'schema'];

export function defineTask<S extends StandardSchemaV1, R = unknown>(
  definition: SchemaTaskDefinition<S, R>,
): Task<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>, Awaited<R>>;
export function defineTask<P = unknown, R = unknown>(
  definition: TaskDefinition<P, R>,
): Task<P, P, Awaited<R>>;
export function defineTask(
  definition: TaskDefinition<unknown, unknown> | SchemaTaskDefinition<StandardSchemaV1, unknown>,
): AnyTask {
  if (definition === null || typeof definition !== 'object')
    throw new ValidationError('defineTask: expected an object');
  checkKnownKeys(definition, TASK_KEYS, 'defineTask');
  const name = checkName(definition.name, 'defineTask: name');
  const what = `task "${name}"`;
  if (typeof definition.handler !== 'function')
    throw new ValidationError(`${what}: handler must be a function`);
  if (definition.schema !== undefined && !isStandardSchema(definition.schema)) {
    throw new ValidationError(
      `${what}: schema must be a Standard Schema validator (zod, valibot, arktype, …)`,
    );
  }
  const backoff =
    definition.backoff === undefined
      ? undefined
      : typeof definition.backoff === 'function'
        ? definition.backoff
        : normalizeBackoff(definition.backoff, `${what}: backoff`);
  return Object.freeze({
    kind: 'fila.task' as const,
    name,
    queue: definition.queue === undefined ? DEFAULT_QUEUE : checkName(definition.queue, `${what}: queue`),
    maxAttempts:
      definition.maxAttempts === undefined
        ? undefined
        : checkInt(definition.maxAttempts, `${what}: maxAttempts`, 1, MAX_ATTEMPTS_LIMIT),
    backoff,
    timeoutMs:
      definition.timeout === undefined
        ? undefined
        : checkTimerMs(
            positive(parseDuration(definition.timeout, `${what}: timeout`), `${what}: timeout`),
            `${what}: timeout`,
          ),
    priority: definition.priority === undefined ? undefined : toPriority(definition.priority, 0),
    schema: definition.schema as StandardSchemaV1<unknown, unknown> | undefined,
    handler: definition.handler as TaskHandler<unknown, unknown>,
  });
}

function positive(ms: number, what: string): number {
  if (ms <= 0) throw new ValidationError(`${what}: must be greater than zero`);
  return ms;
}

export function isTask(value: unknown): value is AnyTask {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'fila.task';
}
