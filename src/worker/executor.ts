/**
 * Runs one job's handler: validates the payload against the task's schema, arms the timeout, calls
 * the handler with its context, and turns whatever happens into an outcome (complete, fail with or
 * without retry, release). It never throws.
 */
import { DEFAULT_BACKOFF, backoffDelay, type BackoffFunction } from '../core/backoff.js';
import {
  JobCancelledError,
  JobTimeoutError,
  PayloadValidationError,
  PermanentError,
  RetryAfterError,
  UnknownTaskError,
} from '../core/errors.js';
import type { BackoffPolicy } from '../core/job.js';
import { MAX_TIMER_MS } from '../core/duration.js';
import { validateWithSchema } from '../core/schema.js';
import type { AnyTask } from '../core/task.js';
import { JobContext, SnoozeSignal, type ContextHooks, type JobRun } from './job-run.js';

export type Outcome =
  | { kind: 'complete'; value: unknown }
  | { kind: 'fail'; error: Error; retryDelayMs: number | null }
  | { kind: 'release'; delayMs: number; snooze: boolean };

/** Longest retry delay accepted from a custom backoff: 100 years. */
const MAX_DELAY_MS = 100 * 365 * 86_400_000;

export interface ExecutorHooks extends ContextHooks {
  tasks: Map<string, AnyTask>;
  /** The worker's default backoff for tasks that define none. */
  backoff: BackoffPolicy | BackoffFunction;
  /** Called when the attempt's time limit passes (the run is aborted and reported by the worker). */
  onTimeout(run: JobRun, timeoutMs: number): void;
  onHookError(error: unknown, during: string): void;
}

export class Executor {
  constructor(private readonly hooks: ExecutorHooks) {}

  async run(run: JobRun): Promise<Outcome> {
    const job = run.job;
    const task = this.hooks.tasks.get(job.task);
    try {
      if (!task) throw new UnknownTaskError(job.task, [...this.hooks.tasks.keys()]);
      let payload: unknown = job.payload;
      if (task.schema) {
        const checked = validateWithSchema(task.schema, payload);
        const result = checked instanceof Promise ? await checked : checked;
        if (!result.ok) throw new PayloadValidationError(job.task, result.issues);
        payload = result.value;
      }
      const timeoutMs = job.timeoutMs ?? task.timeoutMs;
      if (timeoutMs) {
        run.timer = setTimeout(() => this.hooks.onTimeout(run, timeoutMs), Math.min(timeoutMs, MAX_TIMER_MS));
      }
      let value: unknown = task.handler(payload, new JobContext(run, this.hooks));
      if (
        value !== null &&
        typeof value === 'object' &&
        typeof (value as Promise<unknown>).then === 'function'
      ) {
        value = await value;
      }
      return { kind: 'complete', value };
    } catch (thrown) {
      return this.failure(run, task, thrown);
    } finally {
      if (run.timer) clearTimeout(run.timer);
      run.durationMs = performance.now() - run.startedAt;
    }
  }

  /** The outcome of a failed attempt. Also used for timeouts and cancellations, decided outside the handler. */
  failure(run: JobRun, task: AnyTask | undefined, thrown: unknown): Outcome {
    if (thrown instanceof SnoozeSignal) return { kind: 'release', delayMs: thrown.delayMs, snooze: true };
    // When the run was aborted (timeout, cancel), that reason is the error, whatever the handler threw.
    const reason = run.abortReason;
    const error =
      reason instanceof JobTimeoutError || reason instanceof JobCancelledError ? reason : toError(thrown);
    const job = run.job;
    const permanent =
      error instanceof PermanentError ||
      error instanceof PayloadValidationError ||
      error instanceof JobCancelledError ||
      job.attempt >= job.maxAttempts;
    if (permanent) return { kind: 'fail', error, retryDelayMs: null };
    return { kind: 'fail', error, retryDelayMs: this.retryDelay(run, task, error) };
  }

  private retryDelay(run: JobRun, task: AnyTask | undefined, error: Error): number {
    // A retry-after that is not a usable delay (NaN from a header that held a date…) falls back to backoff.
    if (error instanceof RetryAfterError && Number.isFinite(error.delayMs) && error.delayMs >= 0) {
      return clampDelay(error.delayMs);
    }
    const policy = run.job.backoff ?? task?.backoff ?? this.hooks.backoff;
    if (typeof policy !== 'function') return backoffDelay(policy, run.job.attempt);
    try {
      const ms = policy(run.job.attempt, error);
      if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return clampDelay(ms);
      throw new TypeError(`custom backoff returned ${String(ms)}, not a number of milliseconds`);
    } catch (e) {
      this.hooks.onHookError(e, `backoff of task "${run.job.task}"`);
      return backoffDelay(DEFAULT_BACKOFF, run.job.attempt);
    }
  }
}

function clampDelay(ms: number): number {
  return Math.min(Math.round(ms), MAX_DELAY_MS);
}

/** Anything thrown, as an Error (handlers may throw strings or plain objects). */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (
    typeof thrown === 'object' &&
    thrown !== null &&
    typeof (thrown as { message?: unknown }).message === 'string'
  ) {
    const e = new Error((thrown as { message: string }).message);
    e.name =
      typeof (thrown as { name?: unknown }).name === 'string' ? (thrown as { name: string }).name : 'Error';
    return e;
  }
  let text: string;
  try {
    text = String(thrown);
  } catch {
    text = Object.prototype.toString.call(thrown); // an object without toString (Object.create(null))
  }
  return new Error(text);
}
