/**
 * Batches the outcomes of finished runs (completions, failures, releases) and writes each kind in one
 * store call, on the next turn of the event loop after the first one arrives. With many short jobs this
 * turns hundreds of transactions per second into a few. If the store is unreachable the batch is kept
 * and retried with a growing delay; the runs keep their leases (the LeaseKeeper renews them) until
 * their outcome is written.
 *
 * If the store refuses a batch (any error but StoreUnavailableError), one outcome it cannot take must
 * not hold back the others: each is written on its own from then on, and one refused MAX_REFUSALS
 * times is given up (`onUnwritable`): the worker stops renewing its lease, so the job is rescued and
 * runs again, like a crash.
 */
import { StoreUnavailableError } from '../core/errors.js';
import { storableText } from '../core/validate.js';
import type { Job, JobState } from '../core/job.js';
import type { ClaimParams, ClaimResult, ErrorInput, FinishResult, Store } from '../core/store.js';
import type { JobRun } from './job-run.js';

export interface CompleterHooks {
  store: Store;
  /** Called for each run whose outcome was written, with the state the job ended in. */
  onDone(entry: PendingOutcome, state: string, runAt: number): void;
  /** Called for each run whose lease turned out to be lost. */
  onLost(entry: PendingOutcome): void;
  /** Like onLost, for an outcome an earlier write of which may have landed (see `ambiguous`). */
  onMaybeLost(entry: PendingOutcome): void;
  /** Called for an outcome the store refused MAX_REFUSALS times on its own. */
  onUnwritable(entry: PendingOutcome, error: unknown): void;
  /** Called after every flush (successful or not). */
  onFlushed(): void;
  /** A claim to run in the same store call as a batch of completions, if one is wanted now. */
  takeClaim(): ClaimParams | null;
  /**
   * The result of that claim, or the error (`mayHaveRun`: the call failed with the store unreachable, so
   * the claim may have run without its reply arriving).
   */
  claimed(claim: ClaimParams, result: ClaimResult | undefined, error?: unknown, mayHaveRun?: boolean): void;
  onError(error: unknown, during: string): void;
}

export type PendingOutcome = (
  | { kind: 'complete'; run: JobRun; result: string | null; value: unknown }
  | { kind: 'fail'; run: JobRun; error: Error; retryDelayMs: number | null }
  | { kind: 'release'; run: JobRun; delayMs: number; snooze: boolean }
) & {
  /** Times the store refused this outcome: from the first, it is written on its own. */
  refusals?: number;
  /**
   * A write of it failed with the store unreachable: that write may have landed (its reply lost), so a
   * later "lease lost" for it may be its own earlier success (`onMaybeLost` tells them apart).
   */
  ambiguous?: boolean;
};

const MAX_REFUSALS = 3;

const MAX_STACK_CHARS = 8192;
const MAX_MESSAGE_CHARS = 4096;

export class Completer {
  private queue: PendingOutcome[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private retryDelayMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly hooks: CompleterHooks) {}

  /** Outcomes waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** True when completions are waiting: their flush will also claim, so a separate claim is not needed. */
  get completionsPending(): boolean {
    return this.queue.some((o) => o.kind === 'complete');
  }

  add(outcome: PendingOutcome): void {
    this.queue.push(outcome);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      this.hooks.onFlushed();
      if (this.queue.length) {
        if (this.retryDelayMs > 0) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.startFlush();
          }, this.retryDelayMs);
        } else this.schedule();
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const failed: PendingOutcome[] = [];
    const settle = (entries: PendingOutcome[], result: FinishResult) => {
      // By token: a batch may hold a stale and a fresh run of the same job.
      const byToken = new Map(entries.map((e) => [e.run.job.token, e]));
      for (const done of result.done) {
        const entry = byToken.get(done.token);
        if (entry) this.hooks.onDone(entry, done.state, done.runAt);
      }
      for (const lost of result.lost) {
        const entry = byToken.get(lost.token);
        if (entry) (entry.ambiguous ? this.hooks.onMaybeLost : this.hooks.onLost).call(this.hooks, entry);
      }
    };
    const write = async (
      entries: PendingOutcome[],
      call: (entries: PendingOutcome[]) => Promise<FinishResult>,
      during: string,
    ) => {
      if (entries.length === 0) return;
      const together = entries.filter((e) => !e.refusals);
      const alone = entries.filter((e) => e.refusals);
      if (together.length) {
        try {
          settle(together, await call(together));
        } catch (e) {
          if (e instanceof StoreUnavailableError || together.length === 1) refused(together, e, during);
          else for (const entry of together) await writeAlone(entry, call, during);
        }
      }
      for (const entry of alone) await writeAlone(entry, call, during);
    };
    const writeAlone = async (
      entry: PendingOutcome,
      call: (entries: PendingOutcome[]) => Promise<FinishResult>,
      during: string,
    ) => {
      try {
        settle([entry], await call([entry]));
      } catch (e) {
        refused([entry], e, during);
      }
    };
    const refused = (entries: PendingOutcome[], error: unknown, during: string) => {
      this.hooks.onError(error, during);
      if (error instanceof StoreUnavailableError) {
        for (const entry of entries) entry.ambiguous = true;
        failed.push(...entries);
        return;
      }
      for (const entry of entries) {
        entry.refusals = (entry.refusals ?? 0) + 1;
        if (entry.refusals >= MAX_REFUSALS) this.hooks.onUnwritable(entry, error);
        else failed.push(entry);
      }
    };
    const completes = batch.filter((o) => o.kind === 'complete');
    // Acknowledge-and-fetch: the next claim rides along with the completions written together.
    const claim = completes.some((o) => !o.refusals) ? this.hooks.takeClaim() : null;
    let claimSettled = false;
    let claimTried = false;
    let claimError: unknown;
    await write(
      completes,
      async (entries) => {
        // Only the first call carries the claim: if the store refused it, the claim may be the cause.
        const withClaim = claim && !claimTried;
        claimTried = true;
        const result = await this.hooks.store
          .jobCompleteMany({
            jobs: entries.map((o) => ({
              id: o.run.job.id,
              token: o.run.job.token,
              result: (o as { result: string | null }).result,
            })),
            ...(withClaim ? { claim } : {}),
          })
          .catch((e: unknown) => {
            if (withClaim) claimError = e;
            throw e;
          });
        if (withClaim) {
          claimSettled = true;
          this.hooks.claimed(claim, result.claimed ?? { jobs: [], nextRunAt: null, now: Date.now() });
        }
        return result;
      },
      'complete',
    );
    if (claim && !claimSettled) {
      const mayHaveRun = claimError instanceof StoreUnavailableError;
      const what = mayHaveRun ? 'may have run' : 'did not run';
      this.hooks.claimed(
        claim,
        undefined,
        new Error(`completion batch failed; the claim riding along ${what}`),
        mayHaveRun,
      );
    }
    await write(
      batch.filter((o) => o.kind === 'fail'),
      (entries) =>
        this.hooks.store.jobFailMany({
          jobs: entries.map((o) => {
            const f = o as Extract<PendingOutcome, { kind: 'fail' }>;
            return {
              id: o.run.job.id,
              token: o.run.job.token,
              error: errorInput(f.error),
              retryDelayMs: f.retryDelayMs,
            };
          }),
        }),
      'fail',
    );
    await write(
      batch.filter((o) => o.kind === 'release'),
      (entries) =>
        this.hooks.store.jobReleaseMany({
          jobs: entries.map((o) => ({
            id: o.run.job.id,
            token: o.run.job.token,
            delayMs: (o as { delayMs: number }).delayMs,
          })),
        }),
      'release',
    );
    if (failed.length) {
      this.queue = failed.concat(this.queue);
      this.retryDelayMs = Math.min(this.retryDelayMs ? this.retryDelayMs * 2 : 100, 5000);
    } else {
      this.retryDelayMs = 0;
    }
  }

  /** Writes everything pending, retrying until `deadline` (ms since epoch). */
  async drain(deadline: number): Promise<void> {
    while ((this.queue.length || this.flushing) && Date.now() < deadline) {
      if (this.retryTimer) {
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        await new Promise((r) =>
          setTimeout(r, Math.min(this.retryDelayMs, Math.max(0, deadline - Date.now()))),
        );
      }
      if (this.flushing) await this.flushing;
      else this.startFlush();
    }
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

/**
 * The job, read back, if an earlier write of `entry` that failed with the store unreachable landed after
 * all: the job ended as that outcome leaves it, by worker `workerId`, in this attempt. Otherwise null.
 */
export async function landedAs(store: Store, entry: PendingOutcome, workerId: string): Promise<Job | null> {
  const run = entry.run;
  const [job] = await store.jobGet({ ids: [run.job.id] });
  // A release hands back the attempt; a rescue and a new claim since would change the crash count or the
  // start time (the same worker may have claimed the job again).
  const attempt = entry.kind === 'release' ? run.job.attempt - 1 : run.job.attempt;
  const landed =
    job !== undefined &&
    job.workerId === workerId &&
    job.attempt === attempt &&
    job.crashCount === run.job.crashCount &&
    job.startedAt?.getTime() === run.job.startedAt?.getTime() &&
    EXPECTED_STATES[entry.kind].includes(job.state);
  return landed ? job : null;
}

/** The states each kind of outcome can leave a job in. */
const EXPECTED_STATES: Record<PendingOutcome['kind'], JobState[]> = {
  complete: ['completed', 'cancelled'],
  fail: ['failed', 'retrying', 'cancelled'],
  release: ['queued', 'scheduled', 'cancelled'],
};

export function errorInput(error: Error): ErrorInput {
  const out: ErrorInput = {
    name: storableText(String(error.name || 'Error')),
    message: storableText(String(error.message).slice(0, MAX_MESSAGE_CHARS)),
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.code = storableText(code);
  if (typeof error.stack === 'string') out.stack = storableText(error.stack.slice(0, MAX_STACK_CHARS));
  return out;
}
