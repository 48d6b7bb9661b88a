/**
 * Keeps the leases of this worker's runs alive and listens for news about them. It ticks every
 * `checkIntervalMs` (1 s) or `heartbeatMs` (lease / 3), whichever is shorter; each tick asks the store,
 * in one call for all runs, whether any lease was lost or any job was asked to cancel, and once
 * `heartbeatMs` has passed since the last extension that call also extends all leases. So leases are
 * renewed at the heartbeat pace even when it is shorter than the cancel check. The worker aborts lost
 * and cancelled runs.
 *
 * A lease expires at most `leaseMs` after the reply that set it (the store's clock starts it no later
 * than that). Each tick first lets the worker check its runs, before any store call, so a worker cut
 * off from the store gives up a run once its lease has certainly expired, even while calls hang or fail.
 * Local times here are performance.now(): a monotonic clock, which a wall-clock step does not move.
 */
import type { LeaseRef, LeaseStatus, Store } from '../core/store.js';

export interface LeaseKeeperHooks {
  store: Store;
  leaseMs: number;
  heartbeatMs: number;
  checkIntervalMs: number;
  /** Leases of the runs this worker still answers for. */
  leases(): LeaseRef[];
  onStatus(status: LeaseStatus): void;
  /** `leases` were extended by a reply that arrived at `at` (performance.now(), a monotonic clock). */
  onExtended(leases: LeaseRef[], at: number): void;
  /** Called every tick, whether or not the store answers. */
  onTick(): void;
  onError(error: unknown, during: string): void;
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private lastExtend = 0;
  private running = false;
  private ticking: Promise<void> | undefined;

  constructor(private readonly hooks: LeaseKeeperHooks) {}

  start(): void {
    this.running = true;
    this.lastExtend = performance.now();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => {
        this.hooks.onTick();
        // One store call at a time: a tick whose call is still out is not doubled.
        this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
        this.schedule();
      },
      Math.min(this.hooks.checkIntervalMs, this.hooks.heartbeatMs),
    );
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const leases = this.hooks.leases();
    if (leases.length === 0) return;
    // Ticks come every `interval`: extending once `heartbeatMs - interval` has passed since the last
    // extension was sent keeps the gap between extensions at about heartbeatMs, not heartbeatMs plus a
    // tick plus the call's own time (which, at the largest heartbeat allowed, half the lease, could let a
    // lease lapse between two healthy extensions).
    const interval = Math.min(this.hooks.checkIntervalMs, this.hooks.heartbeatMs);
    const sentAt = performance.now();
    const extend = sentAt - this.lastExtend >= this.hooks.heartbeatMs - interval;
    try {
      const status = extend
        ? await this.hooks.store.jobExtendLeases({ leases, leaseMs: this.hooks.leaseMs })
        : await this.hooks.store.jobCheckLeases({ leases });
      if (extend) {
        this.lastExtend = sentAt;
        const lost = new Set(status.lost.map((l) => l.token));
        this.hooks.onExtended(
          leases.filter((l) => !lost.has(l.token)),
          performance.now(),
        );
      }
      if (status.lost.length || status.cancelRequested.length) this.hooks.onStatus(status);
    } catch (e) {
      this.hooks.onError(e, extend ? 'heartbeat' : 'lease check');
    }
  }
}
