/**
 * The worker's buffer: jobs claimed ahead of the free slots, which start as slots free up, so one store
 * round trip serves many short jobs.
 *
 * `prefetch: 'auto'` sizes it from the mean handler time. While handlers take under 5 ms on average, it
 * holds enough that a claim carries about the store's `claimBatch` jobs, but never more than about
 * 20 ms of work per slot. Longer jobs get no buffer. It gives jobs back to their queues (a release: no
 * attempt spent) in two cases:
 *   - handlers turn slow while it holds more than 80 ms of work at the new mean;
 *   - no handler has started for 80 ms because every slot is held (a handler far slower than the mean,
 *     which counts only finished runs).
 * So a worker never hoards work another could run. A number instead of 'auto' fixes the buffer's size.
 *
 * Measured with no-op handlers (bench/RESULTS.md): concurrency 10 on SQLite went from ~32,000 to
 * ~48,000 jobs/s with a buffer. Lifting the former cap of 4 × concurrency in favour of the time bound gave
 * concurrency 1 ~20,000 → ~64,000 jobs/s on SQLite and ~6,400 → ~21,000 on PostgreSQL.
 */
import type { JobRun } from './job-run.js';

/** Mean handler time below which `prefetch: 'auto'` buffers jobs. */
const SHORT_JOB_MS = 5;
/** Most work the automatic buffer holds: the time its jobs take to drain through the slots. */
const BUFFER_BUDGET_MS = 20;
/** Buffered work (or a stall) beyond which jobs are given back. */
const SHED_BUDGET_MS = 4 * BUFFER_BUDGET_MS;
/** How often a worker checks for a stalled buffer. */
export const STALL_CHECK_MS = SHED_BUDGET_MS / 2;
/** Claim size the automatic buffer aims for on stores that declare no `claimBatch`. */
const DEFAULT_CLAIM_BATCH = 128;

/**
 * The automatic buffer: enough that a claim carries about `claimBatch` jobs; none from concurrency
 * `claimBatch` up. The default of 128 suits SQLite (gains flatten beyond that, and memory grows: a
 * 400-job buffer at concurrency 100 measured 95 MB RSS for no gain; 256 measured ~10% slower at
 * concurrency 100). A store whose round trip is costly declares a larger `claimBatch`.
 * It never holds more than BUFFER_BUDGET_MS of work at the mean handler time (4 × concurrency at 5 ms),
 * so a job of higher priority enqueued meanwhile waits at most about that long behind the buffer.
 */
export function autoBuffer(concurrency: number, claimBatch: number, meanRunMs: number): number {
  const byTime = Math.floor((concurrency * BUFFER_BUDGET_MS) / Math.max(meanRunMs, 0.001));
  return Math.max(0, Math.min(byTime, claimBatch - concurrency));
}

export interface RunBufferOptions {
  concurrency: number;
  prefetch: number | 'auto';
  /** The store's preferred claim size, once the store is open. */
  claimBatch: () => number | undefined;
  /** Gives a buffered run back to its queue (a release that spends no attempt). */
  giveBack: (run: JobRun) => void;
}

export class RunBuffer {
  private runs: JobRun[] = [];
  /** Jobs wanted ahead of the free slots. */
  target: number;
  private meanRunMs: number | undefined;
  /** When a handler last started (performance.now()): a buffer that has not moved is stalled. */
  private lastStartAt = 0;

  constructor(private readonly options: RunBufferOptions) {
    this.target = options.prefetch === 'auto' ? 0 : options.prefetch;
  }

  get auto(): boolean {
    return this.options.prefetch === 'auto';
  }

  get length(): number {
    return this.runs.length;
  }

  push(run: JobRun): void {
    this.runs.push(run);
  }

  /** The next buffered run still worth starting (not cancelled or lost meanwhile), if any. */
  next(): JobRun | undefined {
    while (this.runs.length > 0) {
      const run = this.runs.shift()!;
      if (!run.reported && !run.discarded) return run;
    }
    return undefined;
  }

  /** A handler started: the buffer is moving. */
  started(run: JobRun): void {
    this.lastStartAt = run.startedAt;
  }

  /** A handler finished after `durationMs`: updates the mean, the target, and gives back any excess. */
  observe(durationMs: number): void {
    const mean = this.meanRunMs === undefined ? durationMs : this.meanRunMs * 0.8 + durationMs * 0.2;
    this.meanRunMs = mean;
    if (!this.auto) return;
    const claimBatch = this.options.claimBatch() ?? DEFAULT_CLAIM_BATCH;
    this.target = mean < SHORT_JOB_MS ? autoBuffer(this.options.concurrency, claimBatch, mean) : 0;
    const held = (this.runs.length * mean) / this.options.concurrency;
    if (this.runs.length > this.target && held > SHED_BUDGET_MS) this.giveBackAfter(this.target);
  }

  /**
   * Called every STALL_CHECK_MS: when every slot has been held by the same handlers for SHED_BUDGET_MS
   * while jobs wait here, the whole buffer goes back, and the worker claims only for free slots until a
   * handler finishes and the mean is known again.
   */
  checkStall(allSlotsBusy: boolean): void {
    if (!this.auto || this.runs.length === 0 || !allSlotsBusy) return;
    if (performance.now() - this.lastStartAt <= SHED_BUDGET_MS) return;
    this.target = 0;
    this.giveBackAfter(0);
  }

  /** Takes every buffered run out (shutdown gives them back). */
  takeAll(): JobRun[] {
    const out = this.runs;
    this.runs = [];
    return out;
  }

  /** Gives back the buffered runs after the first `keep` (the latest claimed go back). */
  private giveBackAfter(keep: number): void {
    for (const run of this.runs.splice(keep)) {
      if (!run.reported && !run.discarded) this.options.giveBack(run);
    }
  }
}
