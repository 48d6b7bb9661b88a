/**
 * The worker runtime: claims jobs from its queues and runs their handlers, at most `concurrency` at a
 * time. It is assembled from single-purpose parts:
 *   Producer    fetches work for free slots (wake-ups, timers, poll)
 *   Executor    runs one handler with its signal, timeout and schema check
 *   Completer   writes outcomes in batches
 *   LeaseKeeper renews all leases in one call and hears about lost leases and cancellations
 *   Housekeeping reports to the registry, rescues jobs of crashed workers (any live worker does it
 *               for everyone) and deletes finished jobs past their retention
 *   RunBuffer   holds jobs claimed ahead of free slots (buffer.ts); options.ts checks the options
 *
 * Invariants: a run's outcome is reported at most once (`JobRun.reported`); a job's slot is freed when
 * its handler has settled, even if its outcome was reported earlier (timeout, cancel), or `abortGrace`
 * after an abort its handler ignores (the run is abandoned); nothing is written for a run whose lease is
 * no longer ours.
 *
 * Buffer: when handlers are short, each claim also fetches jobs ahead of the free slots, which start as
 * slots free up (see buffer.ts: sized by the mean handler time, given back when handlers turn slow).
 * Buffered jobs are leased, heartbeated, cancellable, and released at shutdown.
 */
import { parseDuration, type Duration } from '../core/duration.js';
import type { FilaEvents } from '../core/event-map.js';
import { TypedEmitter } from '../core/events.js';
import {
  JobCancelledError,
  JobTimeoutError,
  LeaseLostError,
  ValidationError,
  WorkerShutdownError,
} from '../core/errors.js';
import { toJsonText } from '../core/json.js';
import type { Job, JobState } from '../core/job.js';
import type { ClaimedJob, LeaseRef, LeaseStatus, Store } from '../core/store.js';
import { jobEvent, type EventPublisher } from '../client/publisher.js';
import { Completer, landedAs, type PendingOutcome } from './completer.js';
import { Executor, type Outcome } from './executor.js';
import { Housekeeping } from './housekeeping.js';
import { JobRun } from './job-run.js';
import { LeaseKeeper } from './lease-keeper.js';
import { Periodic } from './periodic.js';
import { Producer } from './producer.js';
import { RunBuffer, STALL_CHECK_MS } from './buffer.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { leanHeapFlags, releaseYoungGeneration } from './heap.js';
import { handleSignalsFor, releaseSignalsFor } from './signals.js';

export type { RetentionOptions, WorkerOptions } from './options.js';

interface WorkerHost {
  store(): Promise<Store>;
  events: TypedEmitter<FilaEvents>;
  publisher: EventPublisher;
  forgetWorker(worker: Worker): void;
}

export class Worker {
  readonly id: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** This worker's events (also re-emitted on its client). */
  readonly events: TypedEmitter<FilaEvents>;

  /** The options, checked and with their defaults. */
  private readonly o: ResolvedWorkerOptions;

  /** Runs this worker answers for: buffered, running, or finished with their outcome not yet written. */
  private readonly runs = new Map<string, JobRun>();
  /** Claimed runs waiting for a free slot, in claim order. */
  private readonly buffer: RunBuffer;
  private busy = 0;
  /** A second stop() asked for no grace. */
  private graceCut = false;
  private store: Store | undefined;
  private producer: Producer | undefined;
  private completer: Completer | undefined;
  private executor: Executor | undefined;
  private leaseKeeper: LeaseKeeper | undefined;
  private housekeeping: Housekeeping | undefined;
  private stallCheck: Periodic | undefined;
  private startedAt = 0;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopped: Promise<void> | undefined;
  private idleWaiter: (() => void) | undefined;
  private forceStop: (() => void) | undefined;

  constructor(
    private readonly host: WorkerHost,
    options: WorkerOptions,
  ) {
    const o = resolveWorkerOptions(options);
    this.o = o;
    this.queues = o.queues;
    this.concurrency = o.concurrency;
    this.buffer = new RunBuffer({
      concurrency: this.concurrency,
      prefetch: o.prefetch,
      claimBatch: () => this.store?.claimBatch,
      giveBack: (run) => this.giveBack(run),
    });
    this.id = o.id;
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

  /**
   * Starts claiming and running jobs. Resolves once running and after its first report to the worker
   * registry (so a worker list right after shows it; a failed report is emitted as `worker:error`).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ValidationError(`worker: start() called on a ${this.state} worker`);
    this.state = 'starting';
    if (this.o.leanHeap) leanHeapFlags();
    else releaseYoungGeneration();
    let store: Store;
    try {
      store = await this.host.store();
    } catch (e) {
      // Nothing started: the worker ends here, so stop() and the client's close() return at once (a
      // stop() already waiting for the start sees the state and returns too).
      this.state = 'stopped';
      this.stopped ??= Promise.resolve();
      this.host.forgetWorker(this);
      throw e;
    }
    this.store = store;
    const onError = (error: unknown, during: string) =>
      this.emit('worker:error', { workerId: this.id, error, during });
    this.executor = new Executor({
      store,
      tasks: this.o.tasks,
      backoff: this.o.backoff,
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
      onUnwritable: (entry, error) => this.onUnwritable(entry, error),
      onMaybeLost: (entry) => void this.onMaybeLost(entry),
      onFlushed: () => this.producer?.slotFreed(),
      takeClaim: () => this.producer?.takeClaim() ?? null,
      claimed: (claim, result, error, mayHaveRun) => this.producer?.claimed(claim, result, error, mayHaveRun),
      onError,
    });
    this.producer = new Producer({
      store,
      queues: [...this.queues],
      leaseMs: this.o.leaseMs,
      workerId: this.id,
      pollIntervalMs: this.o.pollIntervalMs,
      freeSlots: () =>
        this.completer!.pending >= this.concurrency + this.buffer.target
          ? 0
          : Math.max(0, this.concurrency - this.busy + this.buffer.target - this.buffer.length),
      start: (job) => this.run(job),
      onCancelled: (ids) => {
        this.publisher.publishJobs('job:cancel', ids);
        if (!this.wants('job:cancel')) return;
        store.jobGet({ ids }).then(
          (jobs) => jobs.forEach((job) => this.emit('job:cancel', { jobId: job.id, job })),
          (e: unknown) => onError(e, 'hand-back'),
        );
      },
      onError,
    });
    this.leaseKeeper = new LeaseKeeper({
      store,
      leaseMs: this.o.leaseMs,
      heartbeatMs: this.o.heartbeatMs,
      checkIntervalMs: this.o.cancelCheckMs,
      leases: () => {
        const out = [];
        for (const run of this.runs.values())
          if (!run.discarded) out.push({ id: run.job.id, token: run.job.token });
        return out;
      },
      onStatus: (status) => this.onLeaseStatus(status),
      onExtended: (leases, at) => {
        for (const lease of leases) {
          const run = this.runFor(lease);
          if (run) run.leaseUntil = at + this.o.leaseMs;
        }
      },
      // After this turn's I/O: an extension whose reply arrived while the event loop was busy is
      // applied first (timers run before I/O callbacks), so it does not count as missing.
      onTick: () => setImmediate(() => this.expireLeases(performance.now())),
      onError,
    });
    this.stallCheck = new Periodic(
      STALL_CHECK_MS,
      async () => {
        if (this.state === 'running') this.buffer.checkStall(this.busy >= this.concurrency);
      },
      0,
    );
    this.startedAt = Date.now();
    this.housekeeping = new Housekeeping({
      store,
      workerId: this.id,
      queues: this.queues,
      concurrency: this.concurrency,
      startedAt: this.startedAt,
      maxCrashes: this.o.maxCrashes,
      retention: this.o.retention,
      rescueIntervalMs: this.o.rescueIntervalMs,
      pruneIntervalMs: this.o.pruneIntervalMs,
      activeJobs: () => {
        const ids: string[] = [];
        for (const run of this.runs.values()) if (run.startedAt > 0 && !run.settled) ids.push(run.job.id);
        return ids;
      },
      onRescued: (ids, state) => {
        if (this.wants('job:rescue')) for (const jobId of ids) this.emit('job:rescue', { jobId, state });
        this.publisher.publishJobs('job:rescue', ids, { state });
      },
      onError,
    });
    this.state = 'running';
    this.leaseKeeper.start();
    this.producer.start();
    const registered = this.housekeeping.start();
    if (this.buffer.auto) this.stallCheck.start();
    if (this.o.handleSignals) handleSignalsFor(this);
    this.emit('worker:start', { workerId: this.id, queues: [...this.queues], concurrency: this.concurrency });
    // Once start() resolves, the worker is in the registry (its first beat reports errors itself).
    await registered;
  }

  /**
   * Stops gracefully: no new claims; running jobs get `grace` (default: the worker's shutdownGrace) to
   * finish; then their signals are aborted and their jobs released for other workers without spending an
   * attempt. Resolves when every outcome is written. Calling it again returns the same promise; a
   * `grace` of 0 on a second call cuts the wait short.
   */
  stop(options: { grace?: Duration } = {}): Promise<void> {
    const graceMs =
      options.grace === undefined ? this.o.shutdownGraceMs : parseDuration(options.grace, 'grace');
    if (this.stopped) {
      if (graceMs === 0) {
        // Cuts the wait short whether or not the shutdown has reached it yet.
        this.graceCut = true;
        this.forceStop?.();
      }
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
    if (this.state === 'stopped') return; // its start() failed: nothing to stop
    this.state = 'stopping';
    // A claim already on its way lands first: its jobs are then handed straight back (see run()).
    await this.producer!.stop();
    // Buffered jobs never started: give them back now, not after the grace period.
    for (const run of this.buffer.takeAll()) if (!run.reported && !run.discarded) this.giveBack(run);
    await Promise.all([this.housekeeping!.stop(), this.stallCheck!.stop()]);
    if (this.busy > 0 && !this.graceCut) {
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
    await this.completer!.drain(Date.now() + Math.max(5_000, this.o.leaseMs));
    this.completer!.stop();
    // Claims that may have run unseen, the last one riding on the drain's completions included.
    await this.producer!.handBack();
    await this.leaseKeeper!.stop();
    await this.store!.workerRemove({ id: this.id }).catch((e: unknown) =>
      this.emit('worker:error', { workerId: this.id, error: e, during: 'registry' }),
    );
    if (this.o.handleSignals) releaseSignalsFor(this);
    this.state = 'stopped';
    this.host.forgetWorker(this);
    this.emit('worker:stop', { workerId: this.id });
  }

  // ---- running jobs --------------------------------------------------------------------------------

  private run(job: ClaimedJob): void {
    // The same job claimed again while an older run of it is still here: that run's lease is gone.
    const stale = this.runs.get(job.id);
    // A run given back (released, its write pending) is not a lost lease: just let it go.
    if (stale) {
      if (stale.reported && stale.settled) this.forget(stale);
      else this.onLost(stale);
    }
    const run = new JobRun(job);
    // The claim's reply is here, so the store started the lease no later than now.
    run.leaseUntil = performance.now() + this.o.leaseMs;
    this.runs.set(job.id, run);
    if (this.state !== 'running') {
      this.giveBack(run); // claimed while stopping: hand it straight back
      return;
    }
    if (this.busy >= this.concurrency) this.buffer.push(run);
    else this.execute(run);
  }

  private execute(run: JobRun): void {
    run.begin();
    this.buffer.started(run.startedAt);
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
    run.onAbort = () => this.watchAbort(run);
    void this.executor!.run(run).then((outcome) => {
      run.settled = true;
      clearTimeout(run.abortTimer);
      this.buffer.observe(run.durationMs);
      if (!run.reported) this.report(run, outcome);
      if (run.abandoned) return; // its slot was freed already
      this.freeSlot();
    });
  }

  private freeSlot(): void {
    this.busy--;
    this.startBuffered();
    if (this.busy === 0) this.idleWaiter?.();
    // A pending completion batch claims for the freed slot in the same store call.
    if (!this.completer!.completionsPending) this.producer!.slotFreed();
  }

  /**
   * A running handler's signal was aborted: if it has not returned `abortGrace` later, report it and
   * give its slot to other jobs (its outcome is already decided, and JavaScript cannot stop it).
   */
  private watchAbort(run: JobRun): void {
    if (run.settled || run.abortTimer) return;
    run.abortTimer = setTimeout(() => {
      if (run.settled || this.state === 'stopped') return;
      run.abandoned = true;
      this.emit('worker:error', {
        workerId: this.id,
        error: run.abortReason,
        during: `job ${run.job.id}: its handler ignored its aborted signal for ${this.o.abortGraceMs} ms; its slot is freed, but its code may still be running`,
      });
      this.freeSlot();
    }, this.o.abortGraceMs);
    run.abortTimer.unref();
  }

  /** Starts buffered runs while slots are free (skipping any cancelled or lost meanwhile). */
  private startBuffered(): void {
    while (this.busy < this.concurrency && this.state === 'running') {
      const next = this.buffer.next();
      if (!next) return;
      this.execute(next);
    }
  }

  /** Gives a run that never started back to its queue: a release, no attempt spent. */
  private giveBack(run: JobRun): void {
    run.reported = true;
    run.settled = true;
    this.completer!.add({ kind: 'release', run, delayMs: 0, snooze: false });
  }

  private report(run: JobRun, outcome: Outcome): void {
    run.reported = true;
    if (outcome.kind === 'complete') {
      let result: string | null;
      try {
        result =
          outcome.value === undefined
            ? null
            : toJsonText(outcome.value, `result of task "${run.job.task}"`, this.o.maxResultBytes);
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
    this.report(run, this.executor!.failure(run, this.o.tasks.get(run.job.task), run.abortReason));
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
      this.report(run, this.executor!.failure(run, this.o.tasks.get(run.job.task), run.abortReason));
    }
  }

  /**
   * Runs whose lease has certainly expired (no extension reached the store for a whole lease, e.g. a
   * worker cut off from it) are lost: another worker may be running them. A run whose outcome is
   * already on its way is left to that write, which the store then answers as lost.
   */
  private expireLeases(now: number): void {
    for (const run of this.runs.values())
      if (!run.reported && !run.discarded && now > run.leaseUntil) this.onLost(run);
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

  /**
   * The store says this run's lease is gone, but an earlier write of its outcome failed in a way that may
   * have hidden its success (the reply lost with the connection). If the job ended as that outcome would
   * have left it, by this worker, in this attempt, it was that write: report it done, not lost.
   */
  private async onMaybeLost(entry: PendingOutcome): Promise<void> {
    try {
      const job = await landedAs(this.store!, entry, this.id);
      if (job) return this.onWritten(entry, job.state, job.runAt.getTime());
    } catch (e) {
      this.emit('worker:error', { workerId: this.id, error: e, during: 'outcome check' });
    }
    this.onLost(entry.run);
  }

  /**
   * The store refused this outcome every time (e.g. a value it cannot hold): stop answering for the run.
   * Its lease is no longer renewed, so the job is rescued once the lease expires and runs again.
   */
  private onUnwritable(entry: PendingOutcome, error: unknown): void {
    const run = entry.run;
    run.discarded = true;
    this.forget(run);
    this.emit('worker:error', {
      workerId: this.id,
      error,
      during: `${entry.kind} of job ${run.job.id}: the store refused it every time; its lease is left to expire`,
    });
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
