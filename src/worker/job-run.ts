/**
 * One run of one job inside a worker: its lease, its abort signal, and the context its handler gets.
 *
 * The AbortController is created only when the handler first reads `ctx.signal` (or never): at
 * tens of thousands of jobs per second, an unused controller per job is measurable.
 */
import { parseDuration, type Duration } from '../core/duration.js';
import { LeaseLostError, PermanentError, ValidationError } from '../core/errors.js';
import type { ClaimedJob, Store } from '../core/store.js';
import { storableText } from '../core/validate.js';
import type { TaskContext } from '../core/task.js';

/** Thrown by `ctx.snooze`: ends the run and schedules the job again without spending an attempt. */
export class SnoozeSignal {
  constructor(readonly delayMs: number) {}
}

export class JobRun {
  /** performance.now() when the handler started (0 while the run waits in the worker's buffer). */
  startedAt = 0;
  /** The handler has returned or thrown: its concurrency slot is free. */
  settled = false;
  /** An outcome has been handed to the Completer (or the run was given up): later outcomes are ignored. */
  reported = false;
  /** The lease is no longer ours (lost, or released at shutdown): nothing more is written for this run. */
  discarded = false;
  durationMs = 0;
  /** performance.now() by which the lease has certainly expired unless extended again. */
  leaseUntil = 0;
  timer: NodeJS.Timeout | undefined;
  /** Called when the run is aborted (set while its handler runs). */
  onAbort: (() => void) | undefined;
  /** Fires `abortGrace` after an abort, unless the handler returns first. */
  abortTimer: NodeJS.Timeout | undefined;
  /** The handler ignored its abort for `abortGrace`: its slot was given to other jobs. */
  abandoned = false;
  private controller: AbortController | undefined;
  private reason: Error | undefined;

  constructor(readonly job: ClaimedJob) {}

  begin(): void {
    this.startedAt = performance.now();
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Why the run was aborted, if it was. */
  get abortReason(): Error | undefined {
    return this.reason;
  }

  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.onAbort?.();
  }
}

export interface ContextHooks {
  store: Store;
  onProgress(run: JobRun, percent: number, message: string | null): void;
  onLog(run: JobRun, message: string): void;
}

const MAX_LOG_CHARS = 8192;
const MAX_PROGRESS_MESSAGE_CHARS = 1024;

export class JobContext<P = unknown> implements TaskContext<P> {
  constructor(
    private readonly run: JobRun,
    private readonly hooks: ContextHooks,
  ) {}

  get job() {
    return this.run.job as unknown as TaskContext<P>['job'];
  }

  get signal(): AbortSignal {
    return this.run.signal;
  }

  async progress(percent: number, message?: string): Promise<void> {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new ValidationError(`progress: percent must be a number from 0 to 100, got ${String(percent)}`);
    }
    if (message !== undefined && typeof message !== 'string')
      throw new ValidationError('progress: message must be a string');
    const text = message === undefined ? null : storableText(message.slice(0, MAX_PROGRESS_MESSAGE_CHARS));
    const { id, token } = this.run.job;
    const { lost } = await this.hooks.store.jobProgressMany({
      jobs: [{ id, token, percent, message: text }],
    });
    if (lost.length) {
      if (this.run.reported) return; // the run already ended; a late update is harmless
      throw new LeaseLostError(id);
    }
    this.hooks.onProgress(this.run, percent, text);
  }

  async log(message: string): Promise<void> {
    const text = storableText(String(message).slice(0, MAX_LOG_CHARS));
    await this.hooks.store.jobLogAppend({
      entries: [{ id: this.run.job.id, attempt: this.run.job.attempt, message: text }],
    });
    this.hooks.onLog(this.run, text);
  }

  snooze(delay: Duration): never {
    throw new SnoozeSignal(parseDuration(delay, 'snooze'));
  }

  fail(reason: string | Error): never {
    if (reason instanceof PermanentError) throw reason;
    if (reason instanceof Error) throw new PermanentError(reason.message, { cause: reason });
    throw new PermanentError(String(reason));
  }
}
