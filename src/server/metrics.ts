/**
 * Prometheus metrics, with prom-client:
 *   fila_jobs{queue,state}                      gauge, read from the store at scrape time
 *   fila_jobs_completed_total{queue,task}       counter
 *   fila_jobs_failed_total{queue,task}          counter (failed for good)
 *   fila_jobs_retried_total{queue,task}         counter (an attempt failed, the job will run again)
 *   fila_job_run_seconds{queue,task}            histogram of attempt durations
 *   fila_job_wait_seconds{queue,task}           histogram of queue wait (run-at to start)
 *   fila_workers_live                           gauge, from the worker registry
 * Counters and histograms come from the shared event log, so they count what every worker did while
 * this server ran. A token scoped to a tenant sees a registry of its own, fed by its tenant's events only.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Fila } from '../client/fila.js';
import type { StoredEvent } from '../core/store.js';

const RUN_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600];

class Metrics {
  readonly registry = new Registry();
  readonly completed: Counter<'queue' | 'task'>;
  readonly failed: Counter<'queue' | 'task'>;
  readonly retried: Counter<'queue' | 'task'>;
  readonly run: Histogram<'queue' | 'task'>;
  readonly wait: Histogram<'queue' | 'task'>;

  constructor(fila: Fila, tenant: string | null) {
    const registers = [this.registry];
    const labelNames = ['queue', 'task'] as const;
    this.completed = new Counter({
      name: 'fila_jobs_completed_total',
      help: 'Jobs completed',
      labelNames,
      registers,
    });
    this.failed = new Counter({
      name: 'fila_jobs_failed_total',
      help: 'Jobs failed for good',
      labelNames,
      registers,
    });
    this.retried = new Counter({
      name: 'fila_jobs_retried_total',
      help: 'Failed attempts that will be retried',
      labelNames,
      registers,
    });
    this.run = new Histogram({
      name: 'fila_job_run_seconds',
      help: 'Attempt duration',
      labelNames,
      buckets: RUN_BUCKETS,
      registers,
    });
    this.wait = new Histogram({
      name: 'fila_job_wait_seconds',
      help: 'Time from run-at to start',
      labelNames,
      buckets: WAIT_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'fila_jobs',
      help: 'Jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const q of await fila.listQueues(tenant === null ? {} : { tenant })) {
          for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'fila_workers_live',
      help: 'Workers reporting to the registry',
      registers,
      async collect() {
        const workers = await (await fila.store()).workerList();
        this.set(workers.filter((w) => w.kind === 'worker').length);
      },
    });
  }

  observe(e: StoredEvent): void {
    const labels = { queue: e.queue ?? '', task: e.task ?? '' };
    const data = e.data ?? {};
    const seconds = (key: string) =>
      typeof data[key] === 'number' ? (data[key] as number) / 1000 : undefined;
    if (e.type === 'job:complete') this.completed.inc(labels);
    else if (e.type === 'job:fail') this.failed.inc(labels);
    else if (e.type === 'job:retry') this.retried.inc(labels);
    const run = seconds('durationMs');
    if (run !== undefined && (e.type === 'job:complete' || e.type === 'job:fail' || e.type === 'job:retry'))
      this.run.observe(labels, run);
    const wait = seconds('waitMs');
    if (wait !== undefined && e.type === 'job:start') this.wait.observe(labels, Math.max(0, wait));
  }
}

export class ServerMetrics {
  private readonly all: Metrics;
  private readonly byTenant = new Map<string, Metrics>();

  constructor(private readonly fila: Fila) {
    this.all = new Metrics(fila, null);
  }

  observe(e: StoredEvent): void {
    this.all.observe(e);
    if (e.tenant !== null) this.tenant(e.tenant).observe(e);
  }

  /** The exposition text for a caller: everything, or one tenant's share. */
  async render(tenant: string | null): Promise<{ contentType: string; body: string }> {
    const metrics = tenant === null ? this.all : this.tenant(tenant);
    return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
  }

  private tenant(name: string): Metrics {
    let m = this.byTenant.get(name);
    if (!m) this.byTenant.set(name, (m = new Metrics(this.fila, name)));
    return m;
  }
}
