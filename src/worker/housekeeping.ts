/**
 * A worker's background duties, each on a timer of its own: reporting itself to the registry, rescuing
 * expired leases of any worker (then marking overdue jobs of queues nobody serves as queued), and
 * deleting finished jobs past their retention. Failures are reported (`onError`), never thrown.
 */
import { hostname } from 'node:os';
import type { JobState } from '../core/job.js';
import type { Store } from '../core/store.js';
import { VERSION } from '../version.js';
import type { Retention } from './options.js';
import { Periodic } from './periodic.js';

/** How often a worker reports itself to the registry, and after how long without a report it is gone. */
const REGISTRY_BEAT_MS = 5000;
const REGISTRY_TTL_MS = 15_000;

export interface HousekeepingHooks {
  store: Store;
  workerId: string;
  queues: readonly string[];
  concurrency: number;
  startedAt: number;
  maxCrashes: number;
  retention: Retention;
  rescueIntervalMs: number;
  pruneIntervalMs: number;
  /** Ids of the jobs whose handlers are running now. */
  activeJobs(): string[];
  /** Jobs a rescue moved to `state`. */
  onRescued(ids: string[], state: JobState): void;
  onError(error: unknown, during: string): void;
}

export class Housekeeping {
  private readonly rescuer: Periodic;
  private readonly pruner: Periodic;
  private readonly registrar: Periodic;

  constructor(private readonly hooks: HousekeepingHooks) {
    this.rescuer = new Periodic(hooks.rescueIntervalMs, () => this.rescue());
    this.pruner = new Periodic(hooks.pruneIntervalMs, () => this.prune());
    this.registrar = new Periodic(REGISTRY_BEAT_MS, () => this.beat(), 0.1);
  }

  /** Starts the timers; resolves once the first registry report has landed (or failed). */
  start(): Promise<void> {
    this.rescuer.start(true);
    this.registrar.start(true);
    if (this.hooks.retention.length) this.pruner.start();
    return this.registrar.idle();
  }

  /** Stops the timers, waiting for a pass under way. */
  async stop(): Promise<void> {
    await Promise.all([this.rescuer.stop(), this.pruner.stop(), this.registrar.stop()]);
  }

  /** Reports this worker to the registry: who it is, what it serves, which jobs it runs. */
  private async beat(): Promise<void> {
    const h = this.hooks;
    try {
      await h.store.workerBeat({
        worker: {
          id: h.workerId,
          kind: 'worker',
          host: hostname(),
          pid: process.pid,
          queues: [...h.queues],
          concurrency: h.concurrency,
          activeJobs: h.activeJobs(),
          startedAt: h.startedAt,
          version: VERSION,
        },
        ttlMs: REGISTRY_TTL_MS,
      });
    } catch (e) {
      h.onError(e, 'registry');
    }
  }

  private async rescue(): Promise<void> {
    try {
      const { requeued, failed, cancelled } = await this.hooks.store.jobRescue({
        maxCrashes: this.hooks.maxCrashes,
        limit: 1000,
      });
      this.hooks.onRescued(requeued, 'queued');
      this.hooks.onRescued(failed, 'failed');
      this.hooks.onRescued(cancelled, 'cancelled');
    } catch (e) {
      this.hooks.onError(e, 'rescue');
    }
    await this.promoteUnserved();
  }

  /**
   * Overdue scheduled and retrying jobs in queues no live worker serves are marked queued (claims do it
   * for served queues), so they do not show as waiting for a run-at that has passed. Apart from the
   * lease rescue, so that a failure here never holds rescues back.
   */
  private async promoteUnserved(): Promise<void> {
    try {
      // This worker's own queues too: its first sweep runs before its first registry report lands.
      const served = new Set<string>(this.hooks.queues);
      for (const w of await this.hooks.store.workerList()) for (const q of w.queues) served.add(q);
      await this.hooks.store.jobPromoteDue({ exceptQueues: [...served], limit: 1000 });
    } catch (e) {
      this.hooks.onError(e, 'promote');
    }
  }

  private async prune(): Promise<void> {
    try {
      for (const [state, olderThanMs] of this.hooks.retention) {
        // Bounded work per pass: at most 10 batches of 1,000 per state.
        for (let i = 0; i < 10; i++) {
          const { removed } = await this.hooks.store.jobClean({
            state,
            olderThanMs,
            queues: [...this.hooks.queues],
            limit: 1000,
          });
          if (removed < 1000) break;
        }
      }
    } catch (e) {
      this.hooks.onError(e, 'prune');
    }
  }
}
