/**
 * Keeps the leases of this worker's runs alive and listens for news about them. It ticks every
 * `checkIntervalMs` (1 s) or `heartbeatMs` (lease / 3), whichever is shorter; each tick asks the store,
 * in one call for all runs, whether any lease was lost or any job was asked to cancel, and once
 * `heartbeatMs` has passed since the last extension that call also extends all leases. So leases are
 * renewed at the heartbeat pace even when it is shorter than the cancel check. The worker aborts lost
 * and cancelled runs.
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
    this.lastExtend = Date.now();
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
        this.ticking = this.tick().finally(() => {
          this.ticking = undefined;
          this.schedule();
        });
      },
      Math.min(this.hooks.checkIntervalMs, this.hooks.heartbeatMs),
    );
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const leases = this.hooks.leases();
    if (leases.length === 0) return;
    const extend = Date.now() - this.lastExtend >= this.hooks.heartbeatMs;
    try {
      const status = extend
        ? await this.hooks.store.jobExtendLeases({ leases, leaseMs: this.hooks.leaseMs })
        : await this.hooks.store.jobCheckLeases({ leases });
      if (extend) this.lastExtend = Date.now();
      if (status.lost.length || status.cancelRequested.length) this.hooks.onStatus(status);
    } catch (e) {
      this.hooks.onError(e, extend ? 'heartbeat' : 'lease check');
    }
  }
}
