/**
 * The worker's buffer: jobs claimed ahead of the free slots, which start as slots free up, so one store
 * round trip serves many short jobs.
 *
 * `prefetch: 'auto'` sizes it from the mean handler time. While handlers take under 5 ms on average, it
 * holds enough that a claim carries about the store's `claimBatch` jobs, but never more than about
 * 20 ms of work per slot. Longer jobs get no buffer. It gives jobs back to their queues (a release: no
 * attempt spent) in two cases:
 *   - handlers turn slow while it holds more than 80 ms of work, both at the new mean and at the rate it
 *     has been handing jobs out (see below);
 *   - no handler has started for 80 ms because every slot is held (a handler far slower than the mean,
 *     which counts only finished runs).
 * So a worker never hoards work another could run. A number instead of 'auto' fixes the buffer's size.
 *
 * The mean handler time alone misleads: a handler's time includes the event loop's waits, and while the
 * worker turns a claim of a thousand jobs into runs (several milliseconds of synchronous work) every
 * running handler waits, so each of them reports that pause. One such pause made a no-op mean look like
 * 1 ms and gave back most of a fresh claim (claims of 1,024 at concurrency 10 on PostgreSQL: 56 give-backs
 * and 39,324 of 40,000 jobs released and claimed again). The rate at which the buffer hands out jobs,
 * measured while it holds some (DRAIN_WINDOW_MS or DRAIN_WINDOW_RUNS), counts such a pause once. It must
 * agree before jobs are given back (until it is measured, only a stall gives jobs back), and it also
 * bounds the buffer: never more than it hands out in DRAIN_BUDGET_MS (which also counts the worker's own
 * time per job, which the mean leaves out), but at least one job while handlers are short, so that the
 * rate keeps being measured and a slow spell it recorded passes.
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
/** Most time the automatic buffer takes to hand out its jobs, at the rate measured. */
const DRAIN_BUDGET_MS = SHED_BUDGET_MS / 2;
/**
 * The hand-out rate is measured over this much time with jobs in the buffer (summed across refills), or
 * over this many jobs handed out if that comes first.
 */
const DRAIN_WINDOW_MS = 20;
const DRAIN_WINDOW_RUNS = 256;
/** Claim size the automatic buffer aims for on stores that declare no `claimBatch`. */
const DEFAULT_CLAIM_BATCH = 128;

/**
 * The automatic buffer: enough that a claim carries about `claimBatch` jobs; none from concurrency
 * `claimBatch` up. The default of 128 suits SQLite (gains flatten beyond that, and memory grows: a
 * 400-job buffer at concurrency 100 measured 95 MB RSS for no gain; 256 measured ~10% slower at
 * concurrency 100). A store whose round trip is costly declares a larger `claimBatch`.
 * It never holds more than BUFFER_BUDGET_MS of work at the mean handler time (4 × concurrency at 5 ms),
 * nor, once `drainMsPerRun` is measured, more than it hands out in DRAIN_BUDGET_MS (but at least one job,
 * so the rate keeps being measured), so a job of higher priority enqueued meanwhile waits at most about
 * that long behind the buffer, or behind one job.
 */
export function autoBuffer(
  concurrency: number,
  claimBatch: number,
  meanRunMs: number,
  drainMsPerRun?: number,
): number {
  const byTime = Math.floor((concurrency * BUFFER_BUDGET_MS) / Math.max(meanRunMs, 0.001));
  // At least one: with none buffered the rate is never measured again, and a slow spell would stay.
  const byDrain =
    drainMsPerRun === undefined
      ? Infinity
      : Math.max(1, Math.floor(DRAIN_BUDGET_MS / Math.max(drainMsPerRun, 0.001)));
  return Math.max(0, Math.min(byTime, byDrain, claimBatch - concurrency));
}

export interface RunBufferOptions {
  concurrency: number;
  prefetch: number | 'auto';
  /** The store's preferred claim size, once the store is open. */
  claimBatch: () => number | undefined;
  /** Gives a buffered run back to its queue (a release that spends no attempt). */
  giveBack: (run: JobRun) => void;
  /** The clock (performance.now() unless a test sets one). */
  now?: () => number;
}

export class RunBuffer {
  private runs: JobRun[] = [];
  /** Jobs wanted ahead of the free slots. */
  target: number;
  private meanRunMs: number | undefined;
  /** When a handler last started (on this buffer's clock): a buffer that has not moved is stalled. */
  private lastStartAt = 0;
  /** Milliseconds per job handed out while the buffer holds some (see the file comment). */
  private drainMsPerRun: number | undefined;
  /** Since when the buffer holds jobs (unchanged while it is empty). */
  private heldSince = 0;
  /** The current measurement window: time with jobs held, and the jobs handed out. */
  private windowMs = 0;
  private windowRuns = 0;
  private readonly now: () => number;

  constructor(private readonly options: RunBufferOptions) {
    this.target = options.prefetch === 'auto' ? 0 : options.prefetch;
    this.now = options.now ?? (() => performance.now());
  }

  get auto(): boolean {
    return this.options.prefetch === 'auto';
  }

  get length(): number {
    return this.runs.length;
  }

  push(run: JobRun): void {
    if (this.runs.length === 0) this.heldSince = this.now();
    this.runs.push(run);
  }

  /** The next buffered run still worth starting (not cancelled or lost meanwhile), if any. */
  next(): JobRun | undefined {
    while (this.runs.length > 0) {
      const run = this.runs.shift()!;
      if (!run.reported && !run.discarded) {
        this.handedOut();
        return run;
      }
    }
    return undefined;
  }

  /** Measures the hand-out rate, over the time the buffer held jobs (its empty spells left out). */
  private handedOut(): void {
    const now = this.now();
    this.windowMs += now - this.heldSince;
    this.heldSince = now;
    this.windowRuns++;
    if (this.windowMs < DRAIN_WINDOW_MS && this.windowRuns < DRAIN_WINDOW_RUNS) return;
    const sample = this.windowMs / this.windowRuns;
    const last = this.drainMsPerRun;
    // Halfway to each new window, but at once to one four times faster: a slow spell that has passed
    // (the buffer then held a single job, see autoBuffer) should not keep the buffer small for long.
    this.drainMsPerRun = last === undefined || sample < last / 4 ? sample : (last + sample) / 2;
    this.resetWindow();
  }

  private resetWindow(): void {
    this.windowMs = 0;
    this.windowRuns = 0;
  }

  /** A handler started at `at` (the buffer's clock: the run's own start time): the buffer is moving. */
  started(at: number): void {
    this.lastStartAt = at;
  }

  /** A handler finished after `durationMs`: updates the mean, the target, and gives back any excess. */
  observe(durationMs: number): void {
    const mean = this.meanRunMs === undefined ? durationMs : this.meanRunMs * 0.8 + durationMs * 0.2;
    this.meanRunMs = mean;
    if (!this.auto) return;
    const claimBatch = this.options.claimBatch() ?? DEFAULT_CLAIM_BATCH;
    const concurrency = this.options.concurrency;
    this.target = mean < SHORT_JOB_MS ? autoBuffer(concurrency, claimBatch, mean, this.drainMsPerRun) : 0;
    if (this.runs.length <= this.target) return;
    // Until the rate is measured, only a stall gives jobs back (checkStall).
    if (this.drainMsPerRun === undefined) return;
    const held = (this.runs.length * mean) / concurrency;
    const drain = this.runs.length * this.drainMsPerRun;
    if (held > SHED_BUDGET_MS && drain > SHED_BUDGET_MS) this.giveBackAfter(this.target);
  }

  /**
   * Called every STALL_CHECK_MS: when every slot has been held by the same handlers for SHED_BUDGET_MS
   * while jobs wait here, the whole buffer goes back, and the worker claims only for free slots until a
   * handler finishes and the mean is known again.
   */
  checkStall(allSlotsBusy: boolean): void {
    if (!this.auto || this.runs.length === 0 || !allSlotsBusy) return;
    if (this.now() - this.lastStartAt <= SHED_BUDGET_MS) return;
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
    // Emptied: what the window measured before is not mixed with what comes after.
    if (this.runs.length === 0) this.resetWindow();
  }
}
