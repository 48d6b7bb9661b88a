/**
 * The Store contract: everything Fila needs from a backend, in about two dozen methods. Each method is
 * one atomic state transition or one query; methods take one params object and return one result, and
 * every write is a batch (a single item is a batch of one). Names are noun-first and listed in
 * alphabetical order.
 *
 * Guarantees every store must give (and the conformance suite in `testkit` proves):
 * - Nothing accepted is lost: once `jobInsertMany` resolves, the jobs survive worker and store restarts
 *   within the store's documented durability.
 * - Fencing: every transition of an active job names its lease token; a stale token changes nothing and
 *   the job id is reported in `lost`. So a job completes at most once.
 * - Store clock: every time a store writes (run-at, lease expiry, timestamps) comes from its own clock;
 *   callers pass durations, never instants (the one exception is an explicit `runAt` chosen by a user).
 * - Dedup keys are unique per tenant among unfinished jobs, enforced by a constraint or an atomic script.
 * - A cancelled job that is running stays `active` with `cancelRequested` until its worker reports; any
 *   report (complete, fail) then ends it `cancelled`, as does a rescue.
 *
 * Stores never emit events and never time themselves: that is added once, around any store.
 */
import type { BackoffPolicy, Job, JobFilter, JobState } from './job.js';

export interface StoreCapabilities {
  /** `listen` hears about new work committed by other processes (not only this one). */
  crossProcessWake: boolean;
  /** `jobInsertMany` accepts `tx`, the application's own open transaction. */
  transactions: boolean;
}

/** How an enqueue with a dedup key treats an unfinished job with the same key. */
export type DedupPolicy = 'ignore' | 'replace' | 'reject';

/** A job to insert, already validated and serialized by the client. */
export interface NewJob {
  id: string;
  task: string;
  queue: string;
  /** JSON text. */
  payload: string;
  priority: number;
  /** An absolute time chosen by the user (ms since epoch), or null to use `delayMs`. */
  runAt: number | null;
  /** Delay from the store's clock when `runAt` is null; 0 means ready now. */
  delayMs: number;
  maxAttempts: number;
  backoff: BackoffPolicy | null;
  timeoutMs: number | null;
  key: string | null;
  tenant: string | null;
  /** JSON text. */
  metadata: string | null;
  dedup: DedupPolicy;
}

export interface InsertResult {
  /** The job that now stands for the request: the new one, or the existing one with the same key. */
  id: string;
  outcome: 'inserted' | 'existing' | 'replaced';
  state: JobState;
  runAt: number;
  createdAt: number;
  /** The stored job, for `existing` and `replaced`. */
  job?: Job;
}

/** Identifies one lease: the job and the token its claim returned. */
export interface LeaseRef {
  id: string;
  token: string;
}

export interface ClaimedJob extends Job {
  /** Fencing token: required for every later transition of this run. */
  token: string;
  /** Lease expiry, store clock, ms since epoch. */
  leaseExpiresAt: number;
}

export interface ClaimParams {
  /** Queues to claim from; jobs are ordered by priority, then run-at, then insertion, across all of them. */
  queues: string[];
  /** At most this many jobs. */
  limit: number;
  leaseMs: number;
  workerId: string;
  /**
   * Names the claim (16–64 lowercase hex digits, random and never used for another claim: it fences the
   * claim's leases; the store makes one up when absent), so that a caller whose claim failed with the
   * store unreachable (the claim may have run, its reply lost) can hand its jobs back with
   * `jobReleaseClaim` instead of leaving them leased until their leases expire.
   */
  claimId?: string;
}

export interface ClaimResult {
  jobs: ClaimedJob[];
  /** Earliest run-at of a scheduled or retrying job in these queues, when fewer than `limit` were claimed. */
  nextRunAt: number | null;
  /** The store's clock when the claim ran (ms since epoch), to turn `nextRunAt` into a delay. */
  now: number;
}

export interface CompleteItem extends LeaseRef {
  /** JSON text, or null for no result. */
  result: string | null;
}

export interface ErrorInput {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export interface FailItem extends LeaseRef {
  error: ErrorInput;
  /** Delay before the next attempt (state `retrying`), or null to fail for good (state `failed`). */
  retryDelayMs: number | null;
}

export interface ReleaseItem extends LeaseRef {
  /** 0 puts the job back to `queued`; more schedules it. The run does not count as an attempt. */
  delayMs: number;
}

export interface ProgressItem extends LeaseRef {
  percent: number;
  message: string | null;
}

export interface LogItem {
  id: string;
  attempt: number;
  message: string;
}

export interface JobLogEntry {
  /** Increasing per store; use as `after` to read on. */
  seq: number;
  at: Date;
  attempt: number;
  message: string;
}

/**
 * The outcome of a batch of fenced transitions. Results name the lease (job and token), not only the
 * job: one worker may hold a stale lease and a fresh one on the same job (it was rescued and claimed
 * again), and the two must not be confused.
 */
export interface FinishResult {
  /** The state each reported job ended in (e.g. `cancelled` when a cancel was requested meanwhile). */
  done: (LeaseRef & { state: JobState; runAt: number })[];
  /** Leases no longer valid: nothing was changed for them. */
  lost: LeaseRef[];
}

export interface LeaseStatus {
  /** Leases no longer valid (rescued, removed, or re-claimed). */
  lost: LeaseRef[];
  /** Still-valid leases whose job someone asked to cancel. */
  cancelRequested: LeaseRef[];
}

export type JobTarget = { ids: string[] } | { filter: JobFilter };

export interface QueueInfo {
  name: string;
  paused: boolean;
  counts: Record<JobState, number>;
  /** Run-at of the queue's longest-waiting ready job (store clock, ms), or null when none is queued. */
  oldestQueuedAt: number | null;
  /** Active jobs whose lease has expired and that no worker has rescued yet. */
  stuck: number;
}

// ---- the event log -------------------------------------------------------------------------------

/** What happened, in the shared event log that carries job events across processes (SSE, metrics). */
export type EventType =
  | 'job:enqueue'
  | 'job:start'
  | 'job:progress'
  | 'job:log'
  | 'job:complete'
  | 'job:retry'
  | 'job:fail'
  | 'job:cancel'
  | 'job:snooze'
  | 'job:rescue'
  | 'job:redrive'
  | 'job:remove'
  | 'queue:pause'
  | 'queue:resume';

export interface NewEvent {
  type: EventType;
  jobId: string | null;
  queue: string | null;
  task: string | null;
  tenant: string | null;
  /** Small JSON details: attempt, percent, message, durationMs, error, runAt, state… (never results). */
  data: Record<string, unknown> | null;
}

export interface StoredEvent extends NewEvent {
  /** Opaque and increasing within a store: pass it back as `after` to read on (SSE Last-Event-ID). */
  id: string;
  /** When it was recorded (store clock, ms). */
  at: number;
}

// ---- tokens and processes ------------------------------------------------------------------------

export type Role = 'admin' | 'operator' | 'reader';

export interface TokenRecord {
  id: string;
  role: Role;
  /** The one tenant the token may see and act for, or null for all. */
  tenant: string | null;
  name: string | null;
  createdAt: number;
}

/** A live worker (or a server consuming events) as it describes itself in the registry. */
export interface WorkerInfo {
  id: string;
  /** `worker` runs jobs; `server` serves the HTTP API and consumes the event log. */
  kind: 'worker' | 'server';
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  /** Ids of the jobs it is running. */
  activeJobs: string[];
  startedAt: number;
  version: string;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface Store {
  /** `sqlite`, `postgres`, `redis`, … */
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  /**
   * How many jobs a worker's claim should carry while its handlers are short (`prefetch: 'auto'`): a
   * store whose round trip costs much more than a job's own work asks for larger claims. Default 128.
   */
  readonly claimBatch?: number;

  close(): Promise<void>;

  /** Appends events to the shared log, in order; readers in every process see them. */
  eventAppend(params: { events: NewEvent[] }): Promise<void>;

  /** The id of the newest event (to start reading from now), or null when the log is empty. */
  eventHead(): Promise<string | null>;

  /**
   * Calls `onEvents` when events may have been appended (by any process). Wake-ups may be spurious or
   * coalesced; read with `eventRead`. Returns a function that stops listening.
   */
  eventListen(onEvents: () => void): () => void;

  /** Deletes events recorded more than `olderThanMs` ago. */
  eventPrune(params: { olderThanMs: number }): Promise<{ removed: number }>;

  /**
   * Up to `limit` events after `after` (an event id), oldest first; null reads from the oldest retained.
   * `cursor` is the id of the last event returned, or `after` when none were.
   */
  eventRead(params: {
    after: string | null;
    limit: number;
  }): Promise<{ events: StoredEvent[]; cursor: string | null }>;

  /** Cancels pending jobs at once; marks active ones `cancelRequested` (their worker stops them). */
  jobCancel(params: JobTarget): Promise<{ cancelled: string[]; requested: string[] }>;

  /** Reads the status of leases without extending them (lost, cancel requested). */
  jobCheckLeases(params: { leases: LeaseRef[] }): Promise<LeaseStatus>;

  /**
   * Claims up to `limit` ready jobs, leasing each for `leaseMs`. Scheduled and retrying jobs whose run-at
   * has passed become `queued` first. Paused queues are skipped. Each claimed job's `attempt` grows by one.
   */
  jobClaim(params: ClaimParams): Promise<ClaimResult>;

  /** Deletes up to `limit` jobs (and their logs) that reached `state` more than `olderThanMs` ago. */
  jobClean(params: {
    state: 'completed' | 'failed' | 'cancelled';
    olderThanMs: number;
    queues?: string[];
    limit: number;
  }): Promise<{ removed: number }>;

  /**
   * Completes active jobs with their results (`cancelled` instead when a cancel was requested). With
   * `claim`, also claims the next jobs in the same atomic step, exactly as `jobClaim` would
   * (acknowledge-and-fetch: one round trip per batch instead of two).
   */
  jobCompleteMany(params: {
    jobs: CompleteItem[];
    claim?: ClaimParams;
  }): Promise<FinishResult & { claimed?: ClaimResult }>;

  /** Extends leases by `leaseMs` from now (store clock). */
  jobExtendLeases(params: { leases: LeaseRef[]; leaseMs: number }): Promise<LeaseStatus>;

  /** Records a failed attempt: `retrying` after a delay, or `failed`; the error is added to the history. */
  jobFailMany(params: { jobs: FailItem[] }): Promise<FinishResult>;

  /** Jobs by id; unknown ids are left out. */
  jobGet(params: { ids: string[] }): Promise<Job[]>;

  /**
   * Inserts jobs atomically (all or none). With a dedup key, an unfinished job with the same tenant and
   * key is returned (`ignore`), updated if still `queued` or `scheduled` (`replace`), or the whole batch
   * is refused with DuplicateJobError (`reject`). With `tx` (stores with the `transactions` capability),
   * the insert joins the application's open transaction and the jobs exist iff it commits.
   */
  jobInsertMany(params: { jobs: NewJob[]; tx?: unknown }): Promise<InsertResult[]>;

  /** Lists jobs matching a filter, newest first (or oldest first), with an opaque cursor for the next page. */
  jobList(params: {
    filter: JobFilter;
    limit: number;
    cursor?: string | null;
    order?: 'asc' | 'desc';
  }): Promise<{ jobs: Job[]; cursor: string | null }>;

  /** Appends log lines to jobs. */
  jobLogAppend(params: { entries: LogItem[] }): Promise<void>;

  /** Reads a job's log lines in order, after `after` (a `seq`). */
  jobLogs(params: { id: string; after?: number; limit: number }): Promise<JobLogEntry[]>;

  /** Stores progress of active jobs. */
  jobProgressMany(params: { jobs: ProgressItem[] }): Promise<{ lost: LeaseRef[] }>;

  /**
   * Marks up to `limit` scheduled and retrying jobs whose run-at has passed as `queued`, oldest run-at
   * first within each queue, in every queue except `exceptQueues`. Claims take such jobs directly, so a worker calls this
   * for the queues no live worker serves (passing the served ones), where nothing else would change
   * their state.
   */
  jobPromoteDue(params: { exceptQueues: string[]; limit: number }): Promise<{ promoted: number }>;

  /** Gives active jobs back without spending an attempt (graceful shutdown, snooze). */
  jobReleaseMany(params: { jobs: ReleaseItem[] }): Promise<FinishResult>;

  /**
   * Gives back, like `jobReleaseMany` with no delay, every job still leased by the claim `claimId`
   * (`ClaimParams.claimId`): for a claim whose reply never arrived. Jobs of that claim already finished,
   * released, or rescued and claimed again are left alone. Resolves to the ids queued again and those
   * that ended `cancelled` (a cancel was requested while they were leased).
   */
  jobReleaseClaim(params: { claimId: string }): Promise<{ released: string[]; cancelled: string[] }>;

  /** Deletes jobs that are not active, with their logs. */
  jobRemove(params: { ids: string[] }): Promise<{ removed: string[] }>;

  /**
   * Rescues active jobs whose lease expired: back to `queued` (the run is not counted as an attempt,
   * `crashCount` grows), `failed` once `crashCount` reaches `maxCrashes`, `cancelled` if cancel was requested.
   */
  jobRescue(params: { maxCrashes: number; limit: number }): Promise<{
    requeued: string[];
    failed: string[];
    cancelled: string[];
  }>;

  /** Puts failed or cancelled jobs back to `queued` with a fresh attempt count; keeps their error history. */
  jobRetry(params: JobTarget): Promise<{ retried: string[] }>;

  /**
   * Calls `onWake` when new work may be ready: jobs inserted, retried, released or rescued by this store
   * object, and, with `crossProcessWake`, by other processes. Wake-ups may be spurious or coalesced.
   * Returns a function that stops listening.
   */
  listen(onWake: () => void): () => void;

  /** Applies pending migrations; refuses (SchemaVersionError) when the store is newer than this code. */
  migrate(): Promise<{ applied: Migration[] }>;

  /** All migrations this code knows, in order (for `fila migrate --print`). */
  migrations(): readonly Migration[];

  /**
   * A script that applies the migrations after version `after` when run by the database's own tool
   * (recording them as `migrate` does), for `fila migrate --print` on stores that have one.
   */
  migrationScript?(after: number): string;

  /** Queues with counts per state and their paused flag (optionally for one tenant's jobs only). */
  queueList(params?: { tenant?: string }): Promise<QueueInfo[]>;

  /** Stops claims from a queue (running jobs finish). Idempotent. */
  queuePause(params: { queue: string }): Promise<void>;

  queueResume(params: { queue: string }): Promise<void>;

  /**
   * Drops a queue that holds no job, in any state, and is not paused, from the queues the store knows,
   * atomically with inserts and pauses. Otherwise changes nothing: `forgotten: false`, with how many jobs
   * it holds (at least 1 when a job arrived during the call) or `paused: true`. An enqueue or a pause
   * makes a forgotten queue known again. Optional: a store without it cannot forget queues.
   */
  queueForget?(params: { queue: string }): Promise<QueueForgetResult>;

  /** Stores a token (only the hash of its secret). */
  tokenCreate(params: { token: Omit<TokenRecord, 'createdAt'>; secretHash: string }): Promise<TokenRecord>;

  /** A token with its secret's hash, for verification; null if unknown or revoked. */
  tokenGet(params: { id: string }): Promise<(TokenRecord & { secretHash: string }) | null>;

  tokenList(): Promise<TokenRecord[]>;

  tokenRevoke(params: { id: string }): Promise<{ revoked: boolean }>;

  /** Registers or refreshes a live worker until now + `ttlMs` (store clock). */
  workerBeat(params: { worker: WorkerInfo; ttlMs: number }): Promise<void>;

  /** Live workers (registered and not expired), with when they last reported. */
  workerList(): Promise<(WorkerInfo & { lastSeenAt: number })[]>;

  /** Removes a worker from the registry (it stopped). */
  workerRemove(params: { id: string }): Promise<void>;
}

/** Zero counts for every state. */
export function emptyCounts(): Record<JobState, number> {
  return {
    scheduled: 0,
    queued: 0,
    active: 0,
    retrying: 0,
    blocked: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
  };
}

/** What Store.queueForget did. */
export interface QueueForgetResult {
  forgotten: boolean;
  /** Jobs the queue holds (0 when forgotten or refused for being paused). */
  jobs: number;
  paused: boolean;
}
