/**
 * The Fila client: enqueue, inspect and operate on jobs, and create workers. One client owns one store
 * (opened from a URL, or given as an object) and one event hub.
 *
 * Every method checks its input before touching the store, so a bad call throws a FilaError naming the
 * problem and changes nothing. Events are emitted here, once, for what the client does; workers emit
 * what happens to the jobs they run.
 */
import { parseDuration, type Duration } from '../core/duration.js';
import { TypedEmitter } from '../core/events.js';
import type { FilaEvents } from '../core/event-map.js';
import {
  ClientClosedError,
  JobNotFoundError,
  JobStateError,
  UnsupportedError,
  ValidationError,
} from '../core/errors.js';
import { UNFINISHED_STATES, type Job, type JobFilter } from '../core/job.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../core/json.js';
import type { InsertResult, JobLogEntry, QueueInfo, Store } from '../core/store.js';
import type { AnyTask, Task } from '../core/task.js';
import { isTask } from '../core/task.js';
import { checkInt, checkKnownKeys, checkName, isPlainObject } from '../core/validate.js';
import { checkBulkStates, checkFilter, checkId, LIST_KEYS } from './filters.js';
import { openStore } from '../stores/open.js';
import { releaseYoungGeneration } from '../worker/heap.js';
import { Worker, type WorkerOptions } from '../worker/worker.js';
import { prepareJob, type EnqueueContext, type EnqueueOptions, type PreparedJob } from './enqueue.js';
import { EventPublisher, jobEvent } from './publisher.js';

export interface FilaOptions {
  /** A store URL (such as `sqlite://.fila/fila.db`, the CLI's default) or a Store object. */
  store: string | Store;
  /**
   * Tasks this client knows. Enqueue by name then applies the task's queue, defaults and schema, and
   * refuses names not in the list. Without it, any task name is accepted and checked by the worker.
   */
  tasks?: AnyTask[];
  /** Largest accepted payload, in bytes of JSON. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Apply pending migrations when opening a store from a URL. Default true. */
  migrate?: boolean;
}

/** One job in `enqueueMany`. */
export interface EnqueueItem {
  task: AnyTask | string;
  payload?: unknown;
  options?: Omit<EnqueueOptions, 'tx'>;
}

export interface ListJobsQuery extends JobFilter {
  /** Page size, 1–1000. Default 50. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string | null;
  /** `desc` (newest first, default) or `asc`. */
  order?: 'asc' | 'desc';
}

export interface JobPage {
  jobs: Job[];
  /** Pass to get the next page; null on the last page. */
  cursor: string | null;
}

export interface CleanOptions {
  state: 'completed' | 'failed' | 'cancelled';
  /** Only jobs that finished longer ago than this (`"7d"` or ms). */
  olderThan: Duration;
  queue?: string;
}

const CLEAN_STATES = ['completed', 'failed', 'cancelled'];

export class Fila {
  /** Events from this client and its workers. */
  readonly events: TypedEmitter<FilaEvents>;
  /** Writes job and queue events to the store's shared log while a server consumes them. */
  readonly publisher: EventPublisher;

  private storeNow: Store | undefined;
  private readonly storeReady: Promise<Store>;
  private readonly ownsStore: boolean;
  private readonly enqueueContext: EnqueueContext;
  private readonly workers = new Set<Worker>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: FilaOptions) {
    if (!isPlainObject(options))
      throw new ValidationError('createFila: expected an options object { store }');
    checkKnownKeys(options, ['store', 'tasks', 'maxPayloadBytes', 'migrate'], 'createFila');
    this.events = new TypedEmitter<FilaEvents>((error, event) => {
      // A listener failed. Report it without involving the code that emitted.
      if (event !== 'worker:error')
        this.events.emit('worker:error', { workerId: '', error, during: `listener of ${event}` });
    });
    this.publisher = new EventPublisher(
      () => this.store(),
      (error) => this.events.emit('worker:error', { workerId: '', error, during: 'event publishing' }),
    );
    const tasks = new Map<string, AnyTask>();
    for (const task of options.tasks ?? []) {
      if (!isTask(task)) throw new ValidationError('createFila: tasks must be created with defineTask()');
      tasks.set(task.name, task);
    }
    this.enqueueContext = {
      tasks,
      strictTasks: options.tasks !== undefined,
      maxPayloadBytes:
        options.maxPayloadBytes === undefined
          ? DEFAULT_MAX_PAYLOAD_BYTES
          : checkInt(options.maxPayloadBytes, 'maxPayloadBytes', 1, 64 * 1024 * 1024),
    };
    if (typeof options.store === 'string') {
      this.ownsStore = true;
      const opened = openStore(options.store, { migrate: options.migrate ?? true });
      if (opened instanceof Promise) this.storeReady = opened.then((s) => (this.storeNow = s));
      else this.storeReady = Promise.resolve((this.storeNow = opened));
    } else if (
      options.store &&
      typeof options.store === 'object' &&
      typeof options.store.jobClaim === 'function'
    ) {
      this.ownsStore = false;
      this.storeReady = Promise.resolve((this.storeNow = options.store));
    } else {
      throw new ValidationError(
        'createFila: store must be a store URL (e.g. sqlite://.fila/fila.db) or a Store object',
      );
    }
    // Opening errors surface on first use; keep them from becoming unhandled rejections meanwhile.
    this.storeReady.catch(() => {});
  }

  /** The store, once open. */
  store(): Promise<Store> {
    return this.storeNow ? Promise.resolve(this.storeNow) : this.storeReady;
  }

  /** Adds an event listener; returns a function that removes it. */
  on<K extends keyof FilaEvents>(event: K, listener: (payload: FilaEvents[K]) => unknown): () => void {
    return this.events.on(event, listener);
  }

  // ---- enqueue -------------------------------------------------------------------------------------

  /**
   * Enqueues one job and resolves to it (or to the existing job holding the same dedup key).
   * With `tx`, the insert joins the application's transaction: on SQLite it runs before this method
   * returns and errors are thrown synchronously, so it also works inside a synchronous transaction.
   */
  enqueue<I, O, R>(task: Task<I, O, R>, payload: I, options?: EnqueueOptions): Promise<Job<I, R>>;
  enqueue(task: string, payload?: unknown, options?: EnqueueOptions): Promise<Job>;
  enqueue(task: AnyTask | string, payload?: unknown, options?: EnqueueOptions): Promise<Job> {
    const tx = options?.tx;
    if (tx !== undefined) {
      // Synchronous on purpose: see above.
      const prepared = prepareJob(this.enqueueContext, task, payload, options);
      if (prepared instanceof Promise) {
        prepared.catch(() => {}); // its outcome no longer matters; never leave it unhandled
        throw new ValidationError(
          'tx: this task validates its payload asynchronously, so it cannot join a synchronous transaction',
        );
      }
      return this.insertInTransaction([prepared], tx).then((jobs) => jobs[0]!);
    }
    try {
      this.checkOpen();
      const prepared = prepareJob(this.enqueueContext, task, payload, options);
      if (prepared instanceof Promise) return prepared.then((p) => this.insert([p])).then((jobs) => jobs[0]!);
      return this.insert([prepared]).then((jobs) => jobs[0]!);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Enqueues many jobs atomically (all or none); resolves to them in the same order. */
  enqueueMany(items: EnqueueItem[], options?: { tx?: unknown }): Promise<Job[]> {
    const tx = options?.tx;
    const prepare = (): (PreparedJob | Promise<PreparedJob>)[] => {
      if (!Array.isArray(items))
        throw new ValidationError('enqueueMany: expected an array of { task, payload, options }');
      if (options !== undefined) {
        if (!isPlainObject(options)) throw new ValidationError('enqueueMany: options must be an object');
        checkKnownKeys(options, ['tx'], 'enqueueMany');
      }
      const prepared: (PreparedJob | Promise<PreparedJob>)[] = [];
      try {
        items.forEach((item, i) => {
          if (!isPlainObject(item)) {
            throw new ValidationError(`enqueueMany[${i}]: expected { task, payload, options }`);
          }
          if (isPlainObject(item.options) && (item.options as { tx?: unknown }).tx !== undefined) {
            // The whole batch joins one transaction or none: an item cannot choose its own.
            throw new ValidationError(
              `enqueueMany[${i}].options.tx: give tx once, as enqueueMany's second argument`,
            );
          }
          try {
            const p = prepareJob(this.enqueueContext, item.task, item.payload, item.options);
            prepared.push(p instanceof Promise ? p.catch(labelled(i)) : p);
          } catch (e) {
            labelled(i)(e);
          }
        });
      } catch (e) {
        // Earlier items may still be validating asynchronously; their outcome no longer matters.
        for (const p of prepared) if (p instanceof Promise) p.catch(() => {});
        throw e;
      }
      return prepared;
    };
    if (tx !== undefined) {
      const prepared = prepare();
      if (prepared.some((p) => p instanceof Promise)) {
        for (const p of prepared) if (p instanceof Promise) p.catch(() => {});
        throw new ValidationError(
          'tx: a task validates its payload asynchronously, so it cannot join a synchronous transaction',
        );
      }
      return this.insertInTransaction(prepared as PreparedJob[], tx);
    }
    try {
      this.checkOpen();
      const prepared = prepare();
      if (prepared.some((p) => p instanceof Promise))
        return Promise.all(prepared).then((all) => this.insert(all));
      return this.insert(prepared as PreparedJob[]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private insert(prepared: PreparedJob[]): Promise<Job[]> {
    releaseYoungGeneration(); // this process enqueues: V8 sizes it again, unless a worker runs here
    const run = (store: Store) =>
      store.jobInsertMany({ jobs: prepared.map((p) => p.row) }).then((r) => this.inserted(prepared, r));
    return this.storeNow ? run(this.storeNow) : this.storeReady.then(run);
  }

  private insertInTransaction(prepared: PreparedJob[], tx: unknown): Promise<Job[]> {
    releaseYoungGeneration();
    const store = this.storeNow;
    if (!store) throw new UnsupportedError('tx: the store is still opening; await fila.store() first');
    if (!store.capabilities.transactions) {
      // Rejected rather than thrown: no synchronous transaction can be waiting on this store.
      return Promise.reject(
        new UnsupportedError(`tx: the ${store.kind} store cannot join an application transaction`),
      );
    }
    return store
      .jobInsertMany({ jobs: prepared.map((p) => p.row), tx })
      .then((r) => this.inserted(prepared, r, false));
  }

  /**
   * Jobs as inserted, with their `job:enqueue` events. An insert inside the application's transaction is
   * not published to the shared log (`publish` false): that transaction may still roll back, and the
   * log is outside it. Its later events (start, completion…) are.
   */
  private inserted(prepared: PreparedJob[], results: InsertResult[], publish = true): Job[] {
    const emit = this.events.has('job:enqueue');
    publish &&= this.publisher.active;
    return results.map((r, i) => {
      const job = r.job ?? newJob(prepared[i]!, r);
      if (emit) this.events.emit('job:enqueue', { job, outcome: r.outcome });
      if (publish && r.outcome !== 'existing') {
        this.publisher.publish(
          jobEvent('job:enqueue', job, { state: job.state, runAt: job.runAt.getTime() }),
        );
      }
      return job;
    });
  }

  // ---- reads ---------------------------------------------------------------------------------------

  /** The job with this id, or null. */
  async getJob(id: string): Promise<Job | null> {
    checkId(id);
    const [job] = await (await this.store()).jobGet({ ids: [id] });
    return job ?? null;
  }

  /** One page of jobs, newest first by default. */
  async listJobs(query: ListJobsQuery = {}): Promise<JobPage> {
    if (!isPlainObject(query)) throw new ValidationError('listJobs: expected an object');
    checkKnownKeys(query, LIST_KEYS, 'listJobs');
    const limit = query.limit === undefined ? 50 : checkInt(query.limit, 'limit', 1, 1000);
    if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') {
      throw new ValidationError('order: expected asc or desc');
    }
    if (query.cursor !== undefined && query.cursor !== null && typeof query.cursor !== 'string') {
      throw new ValidationError('cursor: expected the cursor string of a previous page');
    }
    const filter = checkFilter(query);
    return (await this.store()).jobList({
      filter,
      limit,
      cursor: query.cursor ?? null,
      order: query.order ?? 'desc',
    });
  }

  /** Every queue with its counts per state and paused flag. */
  async listQueues(options: { tenant?: string } = {}): Promise<QueueInfo[]> {
    const tenant = options.tenant === undefined ? undefined : checkName(options.tenant, 'tenant');
    return (await this.store()).queueList(tenant === undefined ? {} : { tenant });
  }

  /** A job's log lines, oldest first. */
  async getLogs(id: string, options: { after?: number; limit?: number } = {}): Promise<JobLogEntry[]> {
    checkId(id);
    const limit = options.limit === undefined ? 1000 : checkInt(options.limit, 'limit', 1, 10_000);
    const after =
      options.after === undefined ? 0 : checkInt(options.after, 'after', 0, Number.MAX_SAFE_INTEGER);
    return (await this.store()).jobLogs({ id, after, limit });
  }

  // ---- operations ----------------------------------------------------------------------------------

  /**
   * Cancels a job: at once if it has not started; if it is running, its worker aborts the handler's
   * signal within about a second and the job ends `cancelled`. Resolves to the job as it now is.
   */
  async cancel(id: string): Promise<Job> {
    checkId(id);
    const store = await this.store();
    const { cancelled, requested } = await store.jobCancel({ ids: [id] });
    const job = await this.mustGet(store, id);
    if (cancelled.length === 0 && requested.length === 0)
      throw new JobStateError(`job ${id} is already ${job.state}; nothing to cancel`);
    if (cancelled.length) {
      this.events.emit('job:cancel', { jobId: id, job });
      this.publisher.publish(jobEvent('job:cancel', job, null));
    }
    return job;
  }

  /** Cancels every unfinished job matching a filter. */
  async cancelMany(filter: JobFilter): Promise<{ cancelled: number; requested: number }> {
    const checked = checkFilter(filter, true);
    checkBulkStates(checked, UNFINISHED_STATES, 'cancelMany', 'unfinished jobs');
    const { cancelled, requested } = await (await this.store()).jobCancel({ filter: checked });
    for (const jobId of cancelled) this.events.emit('job:cancel', { jobId });
    this.publisher.publishJobs('job:cancel', cancelled);
    return { cancelled: cancelled.length, requested: requested.length };
  }

  /** Puts a failed or cancelled job back to the queue with a fresh attempt count. */
  async retry(id: string): Promise<Job> {
    checkId(id);
    const store = await this.store();
    const { retried } = await store.jobRetry({ ids: [id] });
    const job = await this.mustGet(store, id);
    if (retried.length === 0) {
      if (job.state === 'failed' || job.state === 'cancelled') {
        throw new JobStateError(
          `job ${id} cannot be retried: another unfinished job holds its key "${job.key}"`,
        );
      }
      throw new JobStateError(`job ${id} is ${job.state}; only failed or cancelled jobs can be retried`);
    }
    this.events.emit('job:redrive', { jobId: id });
    this.publisher.publish(jobEvent('job:redrive', job, null));
    return job;
  }

  /** Retries every failed or cancelled job matching a filter (e.g. `{ state: 'failed', queue }`). */
  async retryMany(filter: JobFilter): Promise<{ retried: number }> {
    const checked = checkFilter(filter, true);
    checkBulkStates(checked, ['failed', 'cancelled'], 'retryMany', 'failed or cancelled jobs');
    const { retried } = await (await this.store()).jobRetry({ filter: checked });
    for (const jobId of retried) this.events.emit('job:redrive', { jobId });
    this.publisher.publishJobs('job:redrive', retried);
    return { retried: retried.length };
  }

  /** Deletes a job that is not running, with its logs. */
  async remove(id: string): Promise<void> {
    checkId(id);
    const store = await this.store();
    // Read first while events are published: they name the job's queue, task and tenant.
    const [before] = this.publisher.active ? await store.jobGet({ ids: [id] }) : [];
    const { removed } = await store.jobRemove({ ids: [id] });
    if (removed.length === 0) {
      const job = await this.mustGet(store, id);
      throw new JobStateError(`job ${id} is ${job.state}; cancel it before removing it`);
    }
    this.events.emit('job:remove', { jobId: id });
    if (before) this.publisher.publish(jobEvent('job:remove', before, null));
  }

  async pauseQueue(queue: string): Promise<void> {
    checkName(queue, 'queue');
    await (await this.store()).queuePause({ queue });
    this.events.emit('queue:pause', { queue });
    this.publisher.publish({ type: 'queue:pause', jobId: null, queue, task: null, tenant: null, data: null });
  }

  async resumeQueue(queue: string): Promise<void> {
    checkName(queue, 'queue');
    await (await this.store()).queueResume({ queue });
    this.events.emit('queue:resume', { queue });
    this.publisher.publish({
      type: 'queue:resume',
      jobId: null,
      queue,
      task: null,
      tenant: null,
      data: null,
    });
  }

  /**
   * Forgets a queue that holds no job and is not paused (a queue no longer used; a typo'd pause once
   * resumed): it leaves the queue listings. Refused with JobStateError otherwise.
   */
  async forgetQueue(queue: string): Promise<void> {
    checkName(queue, 'queue');
    const store = await this.store();
    if (!store.queueForget) throw new UnsupportedError('this store cannot forget queues');
    const { forgotten, jobs, paused } = await store.queueForget({ queue });
    if (paused) throw new JobStateError(`queue "${queue}" is paused; resume it before forgetting it`);
    if (!forgotten)
      throw new JobStateError(
        `queue "${queue}" still holds ${jobs} job(s); cancel, remove or clean them first`,
      );
  }

  /** Deletes finished jobs in a state that finished longer ago than `olderThan`. */
  async clean(options: CleanOptions): Promise<{ removed: number }> {
    if (!isPlainObject(options)) throw new ValidationError('clean: expected { state, olderThan, queue? }');
    checkKnownKeys(options, ['state', 'olderThan', 'queue'], 'clean');
    if (!CLEAN_STATES.includes(options.state)) {
      throw new ValidationError(
        `state: clean takes completed, failed or cancelled, got ${JSON.stringify(options.state)}`,
      );
    }
    const olderThanMs = parseDuration(options.olderThan, 'olderThan');
    const queues = options.queue === undefined ? undefined : [checkName(options.queue, 'queue')];
    const store = await this.store();
    let removed = 0;
    for (;;) {
      const batch = await store.jobClean({
        state: options.state,
        olderThanMs,
        limit: 1000,
        ...(queues ? { queues } : {}),
      });
      removed += batch.removed;
      if (batch.removed < 1000) return { removed };
    }
  }

  /** Applies pending migrations. */
  async migrate(): Promise<{ applied: { version: number; name: string }[] }> {
    return (await this.store()).migrate();
  }

  // ---- workers and lifecycle -----------------------------------------------------------------------

  /** Creates a worker on this client's store. Call `start()` to run it. */
  worker(options: WorkerOptions): Worker {
    this.checkOpen();
    const worker = new Worker(this, options);
    this.workers.add(worker);
    return worker;
  }

  /** @internal called by a worker when it has stopped. */
  forgetWorker(worker: Worker): void {
    this.workers.delete(worker);
  }

  /**
   * Stops this client's workers (gracefully, or with `grace` as their shutdown grace), then closes the
   * store if the client opened it.
   */
  async close(options: { grace?: Duration } = {}): Promise<void> {
    if (options.grace !== undefined) parseDuration(options.grace, 'grace');
    if (this.closing) {
      // A later call with grace 0 still cuts the workers' wait short; every call ends with the first.
      if (options.grace !== undefined) for (const w of this.workers) void w.stop(options);
      return this.closing;
    }
    this.closed = true;
    this.closing = (async () => {
      await Promise.all([...this.workers].map((w) => w.stop(options)));
      await this.publisher.close();
      if (this.ownsStore) {
        const store = await this.storeReady.catch(() => undefined);
        await store?.close();
      }
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClientClosedError();
  }

  private async mustGet(store: Store, id: string): Promise<Job> {
    const [job] = await store.jobGet({ ids: [id] });
    if (!job) throw new JobNotFoundError(id);
    return job;
  }
}

/** Creates a Fila client. */
export function createFila(options: FilaOptions): Fila {
  return new Fila(options);
}

/** An event about a job changed by a bulk operation: the filter says what is known about it. */
function newJob(prepared: PreparedJob, r: InsertResult): Job {
  const row = prepared.row;
  return {
    id: row.id,
    task: row.task,
    queue: row.queue,
    state: r.state,
    payload: prepared.payload,
    priority: row.priority,
    runAt: new Date(r.runAt),
    attempt: 0,
    maxAttempts: row.maxAttempts,
    crashCount: 0,
    backoff: row.backoff,
    timeoutMs: row.timeoutMs,
    key: row.key,
    tenant: row.tenant,
    metadata: prepared.metadata,
    progress: null,
    result: null,
    error: null,
    errors: [],
    cancelRequested: false,
    workerId: null,
    createdAt: new Date(r.createdAt),
    startedAt: null,
    finishedAt: null,
  };
}

/** Prefixes an error's message with the position of the item of enqueueMany it came from. */
function labelled(i: number): (e: unknown) => never {
  return (e) => {
    if (e instanceof Error && !e.message.startsWith('enqueueMany['))
      e.message = `enqueueMany[${i}]: ${e.message}`;
    throw e;
  };
}
