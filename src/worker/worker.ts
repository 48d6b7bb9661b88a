/**
 * The worker runtime: claims jobs from its queues and runs their handlers, at most `concurrency` at a
 * time. It is assembled from single-purpose parts:
 *   Producer    fetches work for free slots (wake-ups, timers, poll)
 *   Executor    runs one handler with its signal, timeout and schema check
 *   Completer   writes outcomes in batches
 *   LeaseKeeper renews all leases in one call and hears about lost leases and cancellations
 *   Rescuer     recovers jobs of crashed workers (any live worker does it for everyone)
 *   Pruner      deletes finished jobs past their retention
 *
 * Invariants: a run's outcome is reported at most once (`JobRun.reported`); a job's slot is freed only
 * when its handler has settled, even if its outcome was reported earlier (timeout, cancel); nothing is
 * written for a run whose lease is no longer ours.
 *
 * Buffer: when handlers are short (mean under 5 ms), each claim also fetches jobs ahead of the free slots
 * (see autoBuffer), which start as slots free up, so one store round trip serves many jobs. Measured on
 * SQLite with no-op handlers: concurrency 10 went from ~32,000 to ~48,000 jobs/s. Long jobs get no
 * buffer, so a worker never hoards work others could run. Buffered jobs are leased, heartbeated,
 * cancellable, and released at shutdown.
 */
import { hostname } from 'node:os';
import {
  DEFAULT_BACKOFF,
  normalizeBackoff,
  type BackoffFunction,
  type BackoffInput,
} from '../core/backoff.js';
import { checkTimerMs, parseDuration, type Duration } from '../core/duration.js';
import type { FilaEvents } from '../core/event-map.js';
import { TypedEmitter } from '../core/events.js';
import {
  JobCancelledError,
  JobTimeoutError,
  LeaseLostError,
  ValidationError,
  WorkerShutdownError,
} from '../core/errors.js';
import { randomToken } from '../core/ids.js';
import { toJsonText, DEFAULT_MAX_PAYLOAD_BYTES } from '../core/json.js';
import type { BackoffPolicy, Job, JobState } from '../core/job.js';
import type { ClaimedJob, LeaseRef, LeaseStatus, Store } from '../core/store.js';
import { isTask, type AnyTask } from '../core/task.js';
import { checkInt, checkKnownKeys, checkName, isPlainObject } from '../core/validate.js';
import { jobEvent, type EventPublisher } from '../client/publisher.js';
import { VERSION } from '../version.js';
import { Completer, type PendingOutcome } from './completer.js';
import { Executor, type Outcome } from './executor.js';
import { JobRun } from './job-run.js';
import { LeaseKeeper } from './lease-keeper.js';
import { Periodic } from './periodic.js';
import { Producer } from './producer.js';
import { handleSignalsFor, releaseSignalsFor } from './signals.js';

/** Retention of finished jobs per state; `false` keeps them until cleaned by hand. */
export interface RetentionOptions {
  completed?: Duration | false;
  failed?: Duration | false;
  cancelled?: Duration | false;
}

export interface WorkerOptions {
  /** The tasks this worker runs. */
  tasks: AnyTask[] | Record<string, AnyTask>;
  /** Queues to take jobs from. Default: the queues of its tasks. */
  queues?: string[];
  /** Jobs run at the same time. Default 10. */
  concurrency?: number;
  /** Lease length: a crashed worker's jobs run again after about lease + rescue interval. Default 30 s. */
  lease?: Duration;
  /** How often all leases are renewed (one store call). Default lease / 3. */
  heartbeatInterval?: Duration;
  /** How often the worker asks whether its running jobs were cancelled. Default 1 s. */
  cancelCheckInterval?: Duration;
  /** Safety-net poll for new work, ± 20% jitter. Default 1 s. */
  pollInterval?: Duration;
  /** How often expired leases are rescued. Default 15 s. */
  rescueInterval?: Duration;
  /** Lease expiries (crashes) after which a job fails instead of running again. Default 3. */
  maxCrashes?: number;
  /** How long `stop()` waits for running jobs before aborting and releasing them. Default 10 s. */
  shutdownGrace?: Duration;
  /** Stop gracefully on SIGINT/SIGTERM, then let the signal end the process. Default true. */
  handleSignals?: boolean;
  /** How long finished jobs are kept. Default: completed 7 d, failed 30 d, cancelled 7 d. `false`: never pruned. */
  retention?: RetentionOptions | false;
  /** How often the retention pruner runs. Default 60 s. */
  pruneInterval?: Duration;
  /** Backoff for tasks and jobs that define none. Default: exponential from 1 s, ×2, ≤ 1 h, 25% jitter. */
  backoff?: BackoffInput | BackoffFunction;
  /** Largest accepted handler result, in bytes of JSON. Default 1 MiB. */
  maxResultBytes?: number;
  /** Worker id, shown in jobs and the registry. Default host:pid:random. */
  id?: string;
  /**
   * Jobs claimed ahead of free slots. `auto` (default): while handlers take under 5 ms on average, enough
   * for claims of about 128 jobs, or the store's `claimBatch` (256 on PostgreSQL), at most 4 ×
   * concurrency; none for longer jobs. A number fixes it; 0 claims only for free slots.
   */
  prefetch?: number | 'auto';
}

/** Mean handler time below which `prefetch: 'auto'` buffers jobs. */
const SHORT_JOB_MS = 5;

/**
 * The automatic buffer: enough that a claim carries about `claimBatch` jobs, at most 4 × concurrency;
 * none from concurrency `claimBatch` up. The default of 128 suits SQLite (gains flatten beyond that, and
 * memory grows: a 400-job buffer at concurrency 100 measured 95 MB RSS for no gain; 256 measured
 * ~10% slower at concurrency 100). A store whose round trip is costly declares a larger `claimBatch`.
 */
function autoBuffer(concurrency: number, claimBatch: number): number {
  return Math.max(0, Math.min(concurrency * 4, claimBatch - concurrency));
}

const DEFAULT_CLAIM_BATCH = 128;

const WORKER_KEYS = [
  'tasks',
  'queues',
  'concurrency',
  'lease',
  'heartbeatInterval',
  'cancelCheckInterval',
  'pollInterval',
  'rescueInterval',
  'maxCrashes',
  'shutdownGrace',
  'handleSignals',
  'retention',
  'pruneInterval',
  'backoff',
  'maxResultBytes',
  'id',
  'prefetch',
];

const DEFAULT_RETENTION: Record<'completed' | 'failed' | 'cancelled', number> = {
  completed: 7 * 86_400_000,
  failed: 30 * 86_400_000,
  cancelled: 7 * 86_400_000,
};

interface WorkerHost {
  store(): Promise<Store>;
  events: TypedEmitter<FilaEvents>;
  publisher: EventPublisher;
  forgetWorker(worker: Worker): void;
}

/** How often a worker reports itself to the registry, and after how long without a report it is gone. */
const REGISTRY_BEAT_MS = 5000;
const REGISTRY_TTL_MS = 15_000;

export class Worker {
  readonly id: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** This worker's events (also re-emitted on its client). */
  readonly events: TypedEmitter<FilaEvents>;

  private readonly tasks = new Map<string, AnyTask>();
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly cancelCheckMs: number;
  private readonly pollIntervalMs: number;
  private readonly rescueIntervalMs: number;
  private readonly maxCrashes: number;
  private readonly shutdownGraceMs: number;
  private readonly handleSignals: boolean;
  private readonly retention: ['completed' | 'failed' | 'cancelled', number][];
  private readonly pruneIntervalMs: number;
  private readonly backoff: BackoffPolicy | BackoffFunction;
  private readonly maxResultBytes: number;

  /** Runs this worker answers for: buffered, running, or finished with their outcome not yet written. */
  private readonly runs = new Map<string, JobRun>();
  /** Claimed runs waiting for a free slot, in claim order. */
  private buffer: JobRun[] = [];
  private readonly prefetch: number | 'auto';
  private bufferTarget = 0;
  private meanRunMs: number | undefined;
  private busy = 0;
  private store: Store | undefined;
  private producer: Producer | undefined;
  private completer: Completer | undefined;
  private executor: Executor | undefined;
  private leaseKeeper: LeaseKeeper | undefined;
  private rescuer: Periodic | undefined;
  private pruner: Periodic | undefined;
  private registrar: Periodic | undefined;
  private startedAt = 0;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopped: Promise<void> | undefined;
  private idleWaiter: (() => void) | undefined;
  private forceStop: (() => void) | undefined;

  constructor(
    private readonly host: WorkerHost,
    options: WorkerOptions,
  ) {
    if (!isPlainObject(options))
      throw new ValidationError('worker: expected an options object { tasks, ... }');
    checkKnownKeys(options, WORKER_KEYS, 'worker');
    const list = Array.isArray(options.tasks)
      ? options.tasks
      : isPlainObject(options.tasks)
        ? Object.values(options.tasks)
        : null;
    if (!list)
      throw new ValidationError('worker: tasks must be an array (or object) of tasks from defineTask()');
    for (const task of list) {
      if (!isTask(task)) throw new ValidationError('worker: tasks must be created with defineTask()');
      if (this.tasks.has(task.name)) throw new ValidationError(`worker: task "${task.name}" is given twice`);
      this.tasks.set(task.name, task);
    }
    const queues = options.queues ?? [...new Set(list.map((t) => t.queue))];
    if (!Array.isArray(queues) || queues.length === 0) {
      throw new ValidationError('worker: no queues to work on; give tasks or queues');
    }
    this.queues = Object.freeze([...new Set(queues.map((q) => checkName(q, 'worker: queues')))]);
    this.concurrency =
      options.concurrency === undefined
        ? 10
        : checkInt(options.concurrency, 'worker: concurrency', 1, 10_000);
    this.leaseMs = ms(options.lease, 30_000, 'lease', 1_000);
    this.heartbeatMs = ms(options.heartbeatInterval, Math.floor(this.leaseMs / 3), 'heartbeatInterval', 100);
    if (this.heartbeatMs > this.leaseMs / 2) {
      throw new ValidationError(
        'worker: heartbeatInterval must be at most half the lease (default: a third)',
      );
    }
    this.cancelCheckMs = ms(options.cancelCheckInterval, 1000, 'cancelCheckInterval', 50);
    this.pollIntervalMs = ms(options.pollInterval, 1000, 'pollInterval', 10);
    this.rescueIntervalMs = ms(options.rescueInterval, 15_000, 'rescueInterval', 100);
    this.maxCrashes =
      options.maxCrashes === undefined ? 3 : checkInt(options.maxCrashes, 'worker: maxCrashes', 1, 1000);
    this.shutdownGraceMs = ms(options.shutdownGrace, 10_000, 'shutdownGrace', 0);
    this.handleSignals = options.handleSignals ?? true;
    this.pruneIntervalMs = ms(options.pruneInterval, 60_000, 'pruneInterval', 100);
    this.retention = resolveRetention(options.retention);
    this.backoff =
      options.backoff === undefined
        ? DEFAULT_BACKOFF
        : typeof options.backoff === 'function'
          ? options.backoff
          : normalizeBackoff(options.backoff, 'worker: backoff');
    this.maxResultBytes =
      options.maxResultBytes === undefined
        ? DEFAULT_MAX_PAYLOAD_BYTES
        : checkInt(options.maxResultBytes, 'worker: maxResultBytes', 1, 64 * 1024 * 1024);
    if (options.prefetch !== undefined && options.prefetch !== 'auto') {
      checkInt(options.prefetch, 'worker: prefetch', 0, 10_000);
    }
    this.prefetch = options.prefetch ?? 'auto';
    this.bufferTarget = this.prefetch === 'auto' ? 0 : this.prefetch;
    this.id =
      options.id === undefined
        ? `${hostname()}:${process.pid}:${randomToken(3)}`
        : checkName(options.id, 'worker: id');
    this.events = new TypedEmitter<FilaEvents>((error, event) => {
      if (event !== 'worker:error')
        this.emit('worker:error', { workerId: this.id, error, during: `listener of ${event}` });
    });
  }

  /** Adds an event listener; returns a function that removes it. */
  on<K extends keyof FilaEvents>(event: K, listener: (payload: FilaEvents[K]) => unknown): () => void {
    return this.events.on(event, listener);
  }

  /** Jobs whose handlers are running now. */
  get activeCount(): number {
    return this.busy;
  }

  /** Starts claiming and running jobs. Resolves once running. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ValidationError(`worker: start() called on a ${this.state} worker`);
    this.state = 'starting';
    const store = await this.host.store();
    this.store = store;
    const onError = (error: unknown, during: string) =>
      this.emit('worker:error', { workerId: this.id, error, during });
    this.executor = new Executor({
      store,
      tasks: this.tasks,
      backoff: this.backoff,
      onTimeout: (run, timeoutMs) => this.onTimeout(run, timeoutMs),
      onProgress: (run, percent, message) => {
        if (this.wants('job:progress')) this.emit('job:progress', { job: run.job, percent, message });
        if (this.publisher.active)
          this.publisher.publish(jobEvent('job:progress', run.job, { percent, message }));
      },
      onLog: (run, message) => {
        if (this.wants('job:log')) this.emit('job:log', { job: run.job, message });
        if (this.publisher.active) {
          this.publisher.publish(
            jobEvent('job:log', run.job, { message: message.slice(0, 1000), attempt: run.job.attempt }),
          );
        }
      },
      onHookError: onError,
    });
    this.completer = new Completer({
      store,
      onDone: (entry, state, runAt) => this.onWritten(entry, state as JobState, runAt),
      onLost: (entry) => this.onLost(entry.run),
      onFlushed: () => this.producer?.slotFreed(),
      takeClaim: () => this.producer?.takeClaim() ?? null,
      claimed: (limit, result, error) => this.producer?.claimed(limit, result, error),
      onError,
    });
    this.producer = new Producer({
      store,
      queues: [...this.queues],
      leaseMs: this.leaseMs,
      workerId: this.id,
      pollIntervalMs: this.pollIntervalMs,
      freeSlots: () =>
        this.completer!.pending >= this.concurrency + this.bufferTarget
          ? 0
          : Math.max(0, this.concurrency - this.busy + this.bufferTarget - this.buffer.length),
      start: (job) => this.run(job),
      onError,
    });
    this.leaseKeeper = new LeaseKeeper({
      store,
      leaseMs: this.leaseMs,
      heartbeatMs: this.heartbeatMs,
      checkIntervalMs: this.cancelCheckMs,
      leases: () => {
        const out = [];
        for (const run of this.runs.values())
          if (!run.discarded) out.push({ id: run.job.id, token: run.job.token });
        return out;
      },
      onStatus: (status) => this.onLeaseStatus(status),
      onError,
    });
    this.rescuer = new Periodic(this.rescueIntervalMs, () => this.rescue());
    this.pruner = new Periodic(this.pruneIntervalMs, () => this.prune());
    this.registrar = new Periodic(REGISTRY_BEAT_MS, () => this.beat(), 0.1);
    this.startedAt = Date.now();
    this.state = 'running';
    this.leaseKeeper.start();
    this.producer.start();
    this.rescuer.start(true);
    this.registrar.start(true);
    if (this.retention.length) this.pruner.start();
    if (this.handleSignals) handleSignalsFor(this);
    this.emit('worker:start', { workerId: this.id, queues: [...this.queues], concurrency: this.concurrency });
  }

  /**
   * Stops gracefully: no new claims; running jobs get `grace` (default: the worker's shutdownGrace) to
   * finish; then their signals are aborted and their jobs released for other workers without spending an
   * attempt. Resolves when every outcome is written. Calling it again returns the same promise; a
   * `grace` of 0 on a second call cuts the wait short.
   */
  stop(options: { grace?: Duration } = {}): Promise<void> {
    const graceMs =
      options.grace === undefined ? this.shutdownGraceMs : parseDuration(options.grace, 'grace');
    if (this.stopped) {
      if (graceMs === 0) this.forceStop?.();
      return this.stopped;
    }
    if (this.state === 'new') {
      this.state = 'stopped';
      this.host.forgetWorker(this);
      return (this.stopped = Promise.resolve());
    }
    this.stopped = this.shutdown(graceMs);
    return this.stopped;
  }

  private async shutdown(graceMs: number): Promise<void> {
    while (this.state === 'starting') await new Promise((r) => setTimeout(r, 5));
    this.state = 'stopping';
    // A claim already on its way lands first: its jobs are then handed straight back (see run()).
    await this.producer!.stop();
    // Buffered jobs never started: give them back now, not after the grace period.
    for (const run of this.buffer) {
      if (run.reported || run.discarded) continue;
      run.reported = true;
      run.settled = true;
      this.completer!.add({ kind: 'release', run, delayMs: 0, snooze: false });
    }
    this.buffer = [];
    await Promise.all([this.rescuer!.stop(), this.pruner!.stop(), this.registrar!.stop()]);
    if (this.busy > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, graceMs);
        function finish() {
          clearTimeout(timer);
          resolve();
        }
        this.idleWaiter = finish;
        this.forceStop = finish;
      });
      this.idleWaiter = undefined;
    }
    for (const run of this.runs.values()) {
      if (run.settled || run.reported) continue;
      run.reported = true;
      run.abort(new WorkerShutdownError());
      this.completer!.add({ kind: 'release', run, delayMs: 0, snooze: false });
    }
    await this.completer!.drain(Date.now() + Math.max(5_000, this.leaseMs));
    this.completer!.stop();
    await this.leaseKeeper!.stop();
    await this.store!.workerRemove({ id: this.id }).catch((e: unknown) =>
      this.emit('worker:error', { workerId: this.id, error: e, during: 'registry' }),
    );
    if (this.handleSignals) releaseSignalsFor(this);
    this.state = 'stopped';
    this.host.forgetWorker(this);
    this.emit('worker:stop', { workerId: this.id });
  }

  // ---- running jobs --------------------------------------------------------------------------------

  private run(job: ClaimedJob): void {
    // The same job claimed again while an older run of it is still here: that run's lease is gone.
    const stale = this.runs.get(job.id);
    if (stale) this.onLost(stale);
    const run = new JobRun(job);
    this.runs.set(job.id, run);
    if (this.state !== 'running') {
      // Claimed while stopping: hand it straight back.
      run.reported = true;
      run.settled = true;
      this.completer!.add({ kind: 'release', run, delayMs: 0, snooze: false });
      return;
    }
    if (this.busy >= this.concurrency) this.buffer.push(run);
    else this.execute(run);
  }

  private execute(run: JobRun): void {
    run.begin();
    this.busy++;
    const job = run.job;
    if (this.wants('job:start')) this.emit('job:start', { job, workerId: this.id });
    if (this.publisher.active) {
      this.publisher.publish(
        jobEvent('job:start', job, {
          attempt: job.attempt,
          workerId: this.id,
          waitMs: Date.now() - job.runAt.getTime(),
        }),
      );
    }
    void this.executor!.run(run).then((outcome) => {
      run.settled = true;
      this.busy--;
      this.observe(run.durationMs);
      if (!run.reported) this.report(run, outcome);
      this.startBuffered();
      if (this.busy === 0) this.idleWaiter?.();
      // A pending completion batch claims for the freed slot in the same store call.
      if (!this.completer!.completionsPending) this.producer!.slotFreed();
    });
  }

  /** Starts buffered runs while slots are free (skipping any cancelled or lost meanwhile). */
  private startBuffered(): void {
    while (this.busy < this.concurrency && this.buffer.length > 0 && this.state === 'running') {
      const next = this.buffer.shift()!;
      if (!next.reported && !next.discarded) this.execute(next);
    }
  }

  /** Tracks the mean handler time, which decides the buffer under `prefetch: 'auto'`. */
  private observe(durationMs: number): void {
    this.meanRunMs = this.meanRunMs === undefined ? durationMs : this.meanRunMs * 0.8 + durationMs * 0.2;
    if (this.prefetch === 'auto') {
      this.bufferTarget =
        this.meanRunMs < SHORT_JOB_MS
          ? autoBuffer(this.concurrency, this.store?.claimBatch ?? DEFAULT_CLAIM_BATCH)
          : 0;
    }
  }

  private report(run: JobRun, outcome: Outcome): void {
    run.reported = true;
    if (outcome.kind === 'complete') {
      let result: string | null;
      try {
        result =
          outcome.value === undefined
            ? null
            : toJsonText(outcome.value, `result of task "${run.job.task}"`, this.maxResultBytes);
      } catch (e) {
        this.completer!.add({ kind: 'fail', run, error: e as Error, retryDelayMs: null });
        return;
      }
      this.completer!.add({ kind: 'complete', run, result, value: outcome.value });
    } else if (outcome.kind === 'fail') {
      this.completer!.add({ kind: 'fail', run, error: outcome.error, retryDelayMs: outcome.retryDelayMs });
    } else {
      this.completer!.add({ kind: 'release', run, delayMs: outcome.delayMs, snooze: outcome.snooze });
    }
  }

  /** The attempt's time limit passed: abort the handler and record the failure now. */
  private onTimeout(run: JobRun, timeoutMs: number): void {
    if (run.reported) return;
    run.abort(new JobTimeoutError(timeoutMs));
    this.report(run, this.executor!.failure(run, this.tasks.get(run.job.task), run.abortReason));
  }

  private onLeaseStatus(status: LeaseStatus): void {
    for (const lease of status.lost) {
      const run = this.runFor(lease);
      // A run whose outcome is already on its way to the store is settled by that write (done or lost):
      // the lease check may have read the job just after the write finished it, and must not discard it.
      if (run && !run.reported) this.onLost(run);
    }
    for (const lease of status.cancelRequested) {
      const run = this.runFor(lease);
      if (!run || run.reported) continue;
      run.abort(new JobCancelledError(lease.id));
      this.report(run, this.executor!.failure(run, this.tasks.get(run.job.task), run.abortReason));
    }
  }

  /** The run holding exactly this lease (not a newer run of the same job). */
  private runFor(lease: LeaseRef): JobRun | undefined {
    const run = this.runs.get(lease.id);
    return run && run.job.token === lease.token ? run : undefined;
  }

  /** Forgets a run, unless a newer run of the same job has taken its place. */
  private forget(run: JobRun): void {
    if (this.runs.get(run.job.id) === run) this.runs.delete(run.job.id);
  }

  private onLost(run: JobRun): void {
    if (run.discarded) return;
    run.discarded = true;
    run.reported = true;
    run.abort(new LeaseLostError(run.job.id));
    this.forget(run);
    if (this.wants('job:lease-lost')) this.emit('job:lease-lost', { job: run.job });
  }

  /** An outcome was written: forget the run and tell listeners what became of the job. */
  private onWritten(entry: PendingOutcome, state: JobState, runAt: number): void {
    const run = entry.run;
    this.forget(run);
    if (run.discarded) return;
    const job: Job = run.job;
    if (this.publisher.active) this.publishOutcome(entry, state, runAt);
    if (state === 'cancelled') {
      if (this.wants('job:cancel')) this.emit('job:cancel', { jobId: job.id, job });
    } else if (entry.kind === 'complete') {
      if (this.wants('job:complete'))
        this.emit('job:complete', { job, result: entry.value, durationMs: run.durationMs });
    } else if (entry.kind === 'fail') {
      if (state === 'retrying') {
        if (entry.retryDelayMs !== null) this.producer?.scheduleDue(entry.retryDelayMs);
        if (this.wants('job:retry')) {
          this.emit('job:retry', {
            job,
            error: entry.error,
            delayMs: entry.retryDelayMs ?? 0,
            runAt: new Date(runAt),
          });
        }
      } else if (this.wants('job:fail')) {
        this.emit('job:fail', { job, error: entry.error });
      }
    } else if (entry.snooze) {
      if (entry.delayMs > 0) this.producer?.scheduleDue(entry.delayMs);
      if (this.wants('job:snooze')) this.emit('job:snooze', { job, delayMs: entry.delayMs });
    }
  }

  /** The shared-log event for a written outcome. */
  private publishOutcome(entry: PendingOutcome, state: JobState, runAt: number): void {
    const job = entry.run.job;
    const attempt = job.attempt;
    if (state === 'cancelled') this.publisher.publish(jobEvent('job:cancel', job, { attempt }));
    else if (entry.kind === 'complete') {
      this.publisher.publish(
        jobEvent('job:complete', job, { attempt, durationMs: Math.round(entry.run.durationMs) }),
      );
    } else if (entry.kind === 'fail') {
      const error = entry.error.message.slice(0, 500);
      const durationMs = Math.round(entry.run.durationMs);
      if (state === 'retrying')
        this.publisher.publish(jobEvent('job:retry', job, { attempt, error, runAt, durationMs }));
      else this.publisher.publish(jobEvent('job:fail', job, { attempt, error, durationMs }));
    } else if (entry.snooze) {
      this.publisher.publish(jobEvent('job:snooze', job, { runAt }));
    }
  }

  // ---- housekeeping --------------------------------------------------------------------------------

  /** Reports this worker to the registry: who it is, what it serves, which jobs it runs. */
  private async beat(): Promise<void> {
    const activeJobs: string[] = [];
    for (const run of this.runs.values()) if (run.startedAt > 0 && !run.settled) activeJobs.push(run.job.id);
    try {
      await this.store!.workerBeat({
        worker: {
          id: this.id,
          kind: 'worker',
          host: hostname(),
          pid: process.pid,
          queues: [...this.queues],
          concurrency: this.concurrency,
          activeJobs,
          startedAt: this.startedAt,
          version: VERSION,
        },
        ttlMs: REGISTRY_TTL_MS,
      });
    } catch (e) {
      this.emit('worker:error', { workerId: this.id, error: e, during: 'registry' });
    }
  }

  private async rescue(): Promise<void> {
    try {
      const { requeued, failed, cancelled } = await this.store!.jobRescue({
        maxCrashes: this.maxCrashes,
        limit: 1000,
      });
      const outcomes: [string[], JobState][] = [
        [requeued, 'queued'],
        [failed, 'failed'],
        [cancelled, 'cancelled'],
      ];
      for (const [ids, state] of outcomes) {
        for (const jobId of ids) {
          if (this.wants('job:rescue')) this.emit('job:rescue', { jobId, state });
          this.publisher.publish({
            type: 'job:rescue',
            jobId,
            queue: null,
            task: null,
            tenant: null,
            data: { state },
          });
        }
      }
    } catch (e) {
      this.emit('worker:error', { workerId: this.id, error: e, during: 'rescue' });
    }
  }

  private async prune(): Promise<void> {
    try {
      for (const [state, olderThanMs] of this.retention) {
        // Bounded work per pass: at most 10 batches of 1,000 per state.
        for (let i = 0; i < 10; i++) {
          const { removed } = await this.store!.jobClean({
            state,
            olderThanMs,
            queues: [...this.queues],
            limit: 1000,
          });
          if (removed < 1000) break;
        }
      }
    } catch (e) {
      this.emit('worker:error', { workerId: this.id, error: e, during: 'prune' });
    }
  }

  // ---- events --------------------------------------------------------------------------------------

  private get publisher(): EventPublisher {
    return this.host.publisher;
  }

  private wants(event: keyof FilaEvents): boolean {
    return this.events.has(event) || this.host.events.has(event);
  }

  private emit<K extends keyof FilaEvents>(event: K, payload: FilaEvents[K]): void {
    this.events.emit(event, payload);
    this.host.events.emit(event, payload);
  }
}

function ms(value: Duration | undefined, fallback: number, what: string, min: number): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value, `worker: ${what}`);
  if (parsed < min) throw new ValidationError(`worker: ${what} must be at least ${min} ms`);
  return checkTimerMs(parsed, `worker: ${what}`);
}

function resolveRetention(
  options: RetentionOptions | false | undefined,
): ['completed' | 'failed' | 'cancelled', number][] {
  if (options === false) return [];
  if (options !== undefined && !isPlainObject(options as unknown))
    throw new ValidationError('worker: retention must be an object or false');
  if (options) checkKnownKeys(options, ['completed', 'failed', 'cancelled'], 'worker: retention');
  const out: ['completed' | 'failed' | 'cancelled', number][] = [];
  for (const state of ['completed', 'failed', 'cancelled'] as const) {
    const value = options?.[state];
    if (value === false) continue;
    out.push([
      state,
      value === undefined ? DEFAULT_RETENTION[state] : parseDuration(value, `worker: retention.${state}`),
    ]);
  }
  return out;
}
