/**
 * Fetches work for free slots. A claim asks for exactly as many jobs as there are free slots, so a
 * worker never holds a job it cannot start. Wake-ups come from three places:
 *   - the store's `listen` (jobs enqueued in this process at once; in other processes through the
 *     store's notification mechanism),
 *   - a timer set to the next scheduled or retrying job's run-at (from the claim's `nextRunAt`),
 *   - a jittered poll (the safety net: by default every 1 s ± 20%).
 * Wake-ups are coalesced: at most one claim is in flight, and a wake-up during a claim triggers one more.
 * When a claim returns fewer jobs than asked, the queues are drained and freed slots stop triggering
 * claims until something new is announced.
 *
 * A claim that failed with the store unreachable may have run, its reply lost: its jobs would then stay
 * leased to this worker, which never saw them, until their leases expired and a rescue counted a crash
 * against each. Every claim carries an id, and such a claim's jobs are handed back (`jobReleaseClaim`)
 * after the next claim that succeeds, and at the end of the worker's shutdown (`handBack`). Once more
 * RECHECK_MS later: the statement may have run on the server after the client gave up on it, and
 * committed after the first hand-back.
 */
import { StoreUnavailableError } from '../core/errors.js';
import { randomToken } from '../core/ids.js';
import type { ClaimParams, ClaimResult, ClaimedJob, Store } from '../core/store.js';

export interface ProducerHooks {
  store: Store;
  queues: string[];
  leaseMs: number;
  workerId: string;
  pollIntervalMs: number;
  /** Slots free to fill now (0 while the worker is saturated or the Completer is backed up). */
  freeSlots(): number;
  start(job: ClaimedJob): void;
  /** Jobs a hand-back ended `cancelled` (a cancel was requested while they were leased). */
  onCancelled(ids: string[]): void;
  onError(error: unknown, during: string): void;
}

const MAX_TIMER_MS = 2_147_483_647;

/** When a claim handed back is handed back once more (see the class comment). */
const RECHECK_MS = 10_000;

export class Producer {
  private running = false;
  private claiming = false;
  private scheduled = false;
  /** The queues may hold ready jobs: a freed slot should trigger a claim. */
  private maybeMore = true;
  /** A wake-up arrived during a claim: claim again afterwards. */
  private wokenDuringClaim = false;
  private unlisten: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private errorDelayMs = 0;
  private inflight: Promise<void> | undefined;
  /** Ids of claims that may have run without their reply arriving, not yet handed back. */
  private readonly strays = new Set<string>();
  private releasing: Promise<void> | undefined;
  /** Claims handed back once, waiting for their second hand-back. */
  private readonly rechecks = new Map<string, NodeJS.Timeout>();

  constructor(private readonly hooks: ProducerHooks) {}

  start(): void {
    this.running = true;
    this.unlisten = this.hooks.store.listen(() => this.wake());
    this.schedulePoll();
    this.wake();
  }

  /** Stops claiming; resolves once a claim already in flight has landed (its jobs are then started or handed back). */
  stop(): Promise<void> {
    this.running = false;
    this.unlisten?.();
    this.unlisten = undefined;
    clearTimeout(this.pollTimer);
    clearTimeout(this.dueTimer);
    return this.inflight ?? Promise.resolve();
  }

  /** New work may be ready. */
  wake(): void {
    this.maybeMore = true;
    if (this.claiming) this.wokenDuringClaim = true;
    else this.schedule();
  }

  /** A slot was freed: claim if the queues may still hold work. */
  slotFreed(): void {
    if (this.maybeMore && !this.claiming) this.schedule();
  }

  /** Runs a claim on the next turn of the event loop (coalescing everything until then). */
  private schedule(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.claim();
    });
  }

  private claim(): Promise<void> {
    const params = this.takeClaim();
    if (!params) return Promise.resolve();
    this.inflight = this.hooks.store.jobClaim(params).then(
      (result) => this.claimed(params, result),
      (error: unknown) => this.claimed(params, undefined, error),
    );
    const done = this.inflight;
    void done.finally(() => {
      if (this.inflight === done) this.inflight = undefined;
    });
    return done;
  }

  /**
   * Reserves the next claim, if one is wanted now (running, work may be ready, slots free, no claim in
   * flight). The caller runs it (alone, or riding along with a batch of completions) and must then
   * call `claimed` with the result or the error.
   */
  takeClaim(): ClaimParams | null {
    if (!this.running || this.claiming || !this.maybeMore) return null;
    const limit = this.hooks.freeSlots();
    if (limit <= 0) return null;
    this.claiming = true;
    this.wokenDuringClaim = false;
    return {
      queues: this.hooks.queues,
      limit,
      leaseMs: this.hooks.leaseMs,
      workerId: this.hooks.workerId,
      claimId: randomToken(8),
    };
  }

  /**
   * Finishes a claim reserved with `takeClaim`. `mayHaveRun` (default: the error is the store being
   * unreachable): the claim may have run without its reply arriving.
   */
  claimed(
    claim: ClaimParams,
    result: ClaimResult | undefined,
    error?: unknown,
    mayHaveRun = error instanceof StoreUnavailableError,
  ): void {
    const limit = claim.limit;
    this.claiming = false;
    if (!result && mayHaveRun && claim.claimId !== undefined) this.strays.add(claim.claimId);
    if (result && this.strays.size) void this.handBack();
    if (result) {
      this.errorDelayMs = 0;
      if (result.jobs.length < limit) {
        this.maybeMore = false;
        if (result.nextRunAt !== null) this.scheduleDue(result.nextRunAt - result.now);
      }
      for (const job of result.jobs) this.hooks.start(job);
    } else {
      this.hooks.onError(error, 'claim');
      this.errorDelayMs = Math.min(this.errorDelayMs ? this.errorDelayMs * 2 : 100, 5000);
      this.scheduleDue(this.errorDelayMs);
    }
    if (this.wokenDuringClaim) this.maybeMore = true;
    if (this.running && this.maybeMore && this.errorDelayMs === 0 && this.hooks.freeSlots() > 0)
      this.schedule();
  }

  /**
   * Hands back the jobs of claims that may have run unseen (see the class comment), until none is left
   * or the store fails (those are kept for the next call). One pass at a time: a call during a pass
   * waits for it, then goes on with what is left.
   */
  async handBack(): Promise<void> {
    while (this.releasing) await this.releasing;
    this.releasing = (async () => {
      // Stopped: the second hand-backs are not waited for.
      if (!this.running) for (const claimId of this.rechecks.keys()) await this.recheck(claimId);
      while (this.strays.size) {
        const claimId = this.strays.values().next().value as string;
        try {
          const { cancelled } = await this.hooks.store.jobReleaseClaim({ claimId });
          this.strays.delete(claimId);
          if (cancelled.length) this.hooks.onCancelled(cancelled);
        } catch (e) {
          this.hooks.onError(e, 'hand-back of a claim whose reply was lost');
          return;
        }
        if (this.running) {
          const timer = setTimeout(() => void this.recheck(claimId), RECHECK_MS);
          timer.unref();
          this.rechecks.set(claimId, timer);
        }
      }
    })().finally(() => (this.releasing = undefined));
    return this.releasing;
  }

  /** The second hand-back of a claim: once, whatever it finds. */
  private async recheck(claimId: string): Promise<void> {
    clearTimeout(this.rechecks.get(claimId));
    this.rechecks.delete(claimId);
    try {
      const { cancelled } = await this.hooks.store.jobReleaseClaim({ claimId });
      if (cancelled.length) this.hooks.onCancelled(cancelled);
    } catch (e) {
      this.hooks.onError(e, 'hand-back of a claim whose reply was lost');
    }
  }

  /** Wakes at a scheduled job's run-at (keeps the earliest pending timer). */
  scheduleDue(delayMs: number): void {
    if (!this.running) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.dueTimer && at >= this.dueAt) return;
    clearTimeout(this.dueTimer);
    this.dueAt = at;
    this.dueTimer = setTimeout(
      () => {
        this.dueTimer = undefined;
        this.dueAt = Infinity;
        this.wake();
      },
      Math.min(Math.max(0, delayMs), MAX_TIMER_MS),
    );
  }

  private schedulePoll(): void {
    if (!this.running) return;
    const jittered = this.hooks.pollIntervalMs * (0.8 + Math.random() * 0.4);
    this.pollTimer = setTimeout(() => {
      this.wake();
      this.schedulePoll();
    }, jittered);
  }
}
