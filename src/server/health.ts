/**
 * Health: is the store reachable (and how fast), are workers alive, how many jobs are stuck (active
 * past their lease, no rescue yet), how long the oldest ready job of each queue has waited, and the
 * share of failed attempts in the recent window. The status:
 *   unhealthy  the store is unreachable, or stuck jobs exceed `stuckUnhealthy` (default 500);
 *   degraded   stuck jobs exceed `stuckDegraded` (default 100), the failure rate exceeds
 *              `failureRateDegraded` (default 0.5, over at least 10 finished attempts), or jobs are
 *              queued while no worker is alive;
 *   healthy    otherwise.
 */
import type { Fila } from '../client/fila.js';
import { ValidationError } from '../core/errors.js';
import type { Principal } from './auth.js';
import { outcomeKey, type EventHub } from './hub.js';

export interface HealthThresholds {
  stuckDegraded: number;
  stuckUnhealthy: number;
  failureRateDegraded: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  stuckDegraded: 100,
  stuckUnhealthy: 500,
  failureRateDegraded: 0.5,
};

const MIN_SAMPLE = 10;

/** The defaults with `given` applied, checked. */
export function healthThresholds(given: Partial<HealthThresholds> = {}): HealthThresholds {
  const t = { ...DEFAULT_THRESHOLDS, ...given };
  for (const key of ['stuckDegraded', 'stuckUnhealthy'] as const) {
    if (!Number.isInteger(t[key]) || t[key] < 0) {
      throw new ValidationError(`health.${key}: expected a whole number of jobs, got ${String(t[key])}`);
    }
  }
  if (t.stuckDegraded > t.stuckUnhealthy) {
    throw new ValidationError(
      `health: stuckDegraded (${t.stuckDegraded}) must not exceed stuckUnhealthy (${t.stuckUnhealthy})`,
    );
  }
  if (
    typeof t.failureRateDegraded !== 'number' ||
    !(t.failureRateDegraded >= 0 && t.failureRateDegraded <= 1)
  ) {
    throw new ValidationError(
      `health.failureRateDegraded: expected 0 to 1, got ${String(t.failureRateDegraded)}`,
    );
  }
  return t;
}

function rate(completed: number, failed: number): number | null {
  const total = completed + failed;
  return total === 0 ? null : failed / total;
}

export async function checkHealth(
  fila: Fila,
  hub: EventHub,
  principal: Principal,
  thresholds: HealthThresholds,
) {
  const reasons: string[] = [];
  const now = Date.now();
  const tenant = principal.tenant;
  let store: { ok: boolean; latencyMs: number | null; error?: string };
  let queues: Awaited<ReturnType<Fila['listQueues']>> = [];
  let live = 0;
  const started = performance.now();
  try {
    queues = await fila.listQueues(tenant === null ? {} : { tenant });
    store = { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    live = (await (await fila.store()).workerList()).filter((w) => w.kind === 'worker').length;
  } catch (e) {
    store = { ok: false, latencyMs: null, error: (e as Error).message };
    reasons.push(`store unreachable: ${(e as Error).message}`);
  }
  const mine = (key: string) => tenant === null || key.startsWith(`${tenant}\u0000`);
  const stuck = queues.reduce((n, q) => n + q.stuck, 0);
  const overall = hub.outcomes.totals(mine, now);
  const failureRate = rate(overall.completed, overall.failed);
  const queued = queues.reduce((n, q) => n + q.counts.queued, 0);

  let status: 'healthy' | 'degraded' | 'unhealthy' = 'healthy';
  const degrade = (reason: string) => {
    reasons.push(reason);
    if (status === 'healthy') status = 'degraded';
  };
  if (!store.ok) status = 'unhealthy';
  if (stuck > thresholds.stuckUnhealthy) {
    status = 'unhealthy';
    reasons.push(`${stuck} stuck jobs (more than ${thresholds.stuckUnhealthy})`);
  } else if (stuck > thresholds.stuckDegraded)
    degrade(`${stuck} stuck jobs (more than ${thresholds.stuckDegraded})`);
  if (
    failureRate !== null &&
    overall.completed + overall.failed >= MIN_SAMPLE &&
    failureRate > thresholds.failureRateDegraded
  ) {
    degrade(
      `failure rate ${(failureRate * 100).toFixed(0)}% over the last ${Math.round(hub.outcomes.windowMs / 60_000)} min`,
    );
  }
  if (store.ok && queued > 0 && live === 0) degrade(`${queued} jobs queued and no live worker`);

  return {
    status,
    reasons,
    store,
    workers: { live },
    stuck,
    failureRate,
    queues: queues.map((q) => {
      const t = hub.outcomes.totals((key) => mine(key) && key.endsWith(`\u0000${q.name}`), now);
      return {
        name: q.name,
        oldestQueuedAgeMs: q.oldestQueuedAt === null ? null : Math.max(0, now - q.oldestQueuedAt),
        stuck: q.stuck,
        failureRate: rate(t.completed, t.failed),
      };
    }),
    thresholds: { ...thresholds, windowMs: hub.outcomes.windowMs },
    checkedAt: new Date(now).toISOString(),
  };
}

export { outcomeKey };
