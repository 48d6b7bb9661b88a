/**
 * The PostgreSQL store: many API and worker processes on many hosts sharing one database.
 *
 * Every transition is one SQL statement (claims, completions, failures, releases and heartbeats are
 * one statement per batch, whatever its size), guarded by the job's state and its lease token. Claims
 * use FOR UPDATE SKIP LOCKED, so concurrent workers never wait for each other or take the same job.
 *
 * Clock: every time the store writes comes from the server's now() (`now_ms()` in the schema), never
 * from a client, so workers on hosts with skewed clocks agree on leases, schedules and backoff.
 *
 * Connections: a pool for queries (no session state: works behind a transaction-mode pooler), plus
 * one connection for LISTEN while anyone listens (listener.ts).
 *
 * Durability: a job is accepted once its INSERT commits, with the server's own durability settings
 * (synchronous_commit=on, the default, survives a server crash).
 */
import pg from 'pg';
import type { Job, JobFilter, JobState } from '../../core/job.js';
import type {
  ClaimParams,
  ClaimResult,
  CompleteItem,
  FailItem,
  FinishResult,
  InsertResult,
  JobLogEntry,
  JobTarget,
  LeaseRef,
  LeaseStatus,
  LogItem,
  Migration,
  NewEvent,
  NewJob,
  ProgressItem,
  QueueInfo,
  ReleaseItem,
  Store,
  StoreCapabilities,
  StoredEvent,
  TokenRecord,
  WorkerInfo,
  QueueForgetResult,
} from '../../core/store.js';
import { intArray, textArray } from './arrays.js';
import { Db } from './db.js';
import { mapError } from './errors.js';
import { fenced, finished, finishedAt, type FencedRow } from './fencing.js';
import { foreignRun, INSERT_CHUNK, insertJobs, type InsertStatements, type Run } from './insert.js';
import { NotifyListener } from './listener.js';
import { applyMigrations, migrationScript, migrationsFor } from './migrate.js';
import { Operations } from './operations.js';
import { Registry } from './registry.js';
import { claimedFromTuples, num } from './rows.js';
import { statements } from './sql.gen.js';
import { checkClaim, checkClaimId, claimNonce } from '../shared.js';
import { redactUrl, type PostgresStoreOptions } from './url.js';

type Statements = { -readonly [K in keyof typeof statements]: string };

/** The statements with the schema filled in. */
export function statementsFor(schema: string): Statements {
  const quoted = pg.escapeIdentifier(schema);
  const out = {} as Statements;
  for (const [key, text] of Object.entries(statements))
    out[key as keyof Statements] = text.split('{schema}').join(quoted);
  return out;
}

/** The `{queues}` condition of claim statements, on parameter `$n`. */
function queuesCondition(schema: string, n: number, several: boolean): string {
  const paused = `SELECT name FROM ${pg.escapeIdentifier(schema)}.queues WHERE paused`;
  return several
    ? `queue = ANY($${n}::text[]) AND queue <> ALL (ARRAY(${paused}))`
    : `queue = $${n}::text AND $${n}::text <> ALL (ARRAY(${paused}))`;
}

interface ClaimRow {
  now: number;
  jobs: Parameters<typeof claimedFromTuples>[0];
  next_run_at: number | null;
}

const EMPTY_STATUS = (): LeaseStatus => ({ lost: [], cancelRequested: [] });

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly capabilities: StoreCapabilities = { crossProcessWake: true, transactions: true };
  /**
   * Claims of up to about 1,024 jobs while handlers are short: each complete-and-claim statement has a
   * fixed cost (about 1 ms, its commit's WAL flush included) besides its work per row, and a bigger
   * batch pays it less often. Measured with no-op handlers (bench/postgres/drain.mjs, alternating):
   * 128 → 256 gave ~24,000 → ~29,000 jobs/s at concurrency 100; after migration 0003, 256 → 512 gave
   * +8 to +20% at concurrency 100 and +2 to +5% at 10; 512 → 1,024 gave +13 to +22% at 100 and no
   * consistent difference at 10, once the buffer stopped giving jobs back on event-loop pauses (before
   * that, 1,024 halved concurrency 10). The buffer's own time budgets still bound what a worker holds.
   * See ADR 0004, Performance.
   */
  readonly claimBatch = 1024;
  readonly schema: string;
  /** The LISTEN/NOTIFY channel of this schema. */
  readonly channel: string;

  private readonly db: Db;
  private readonly sql: Statements;
  private readonly insertSql: InsertStatements;
  private readonly claimText = new Map<string, string>();
  /** The last enqueue queued on each application client (see jobInsertMany). */
  private readonly txQueues = new WeakMap<object, Promise<unknown>>();
  private readonly listener: NotifyListener;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<() => void>();
  private readonly operations: Operations;
  private readonly registry: Registry;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'fila';
    // Channel names are identifiers (at most 63 bytes): a long schema name is cut, and two schemas that
    // share their first 58 characters then share a channel (spurious wake-ups only, never missed ones).
    this.channel = `fila:${this.schema}`.slice(0, 63);
    const label = `PostgreSQL ${redactUrl(options.connectionString)} (schema ${this.schema})`;
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.db = new Db({
      connectionString: options.connectionString,
      poolSize: options.poolSize ?? 10,
      prepare: options.prepare ?? true,
      connectTimeoutMs,
      queryTimeoutMs: options.queryTimeoutMs ?? 60_000,
      label,
      ...(options.poolMaxUses ? { maxUses: options.poolMaxUses } : {}),
      ...(options.channelBinding ? { channelBinding: true } : {}),
    });
    this.sql = statementsFor(this.schema);
    this.insertSql = {
      insert: this.sql.insert,
      insertUniform: this.sql.insertUniform,
      insertOne: this.sql.insertOne,
      insertKeyed: this.sql.insertKeyed,
      findByKey: this.sql.findByKey,
      replace: this.sql.replace,
      channel: this.channel,
    };
    this.listener = new NotifyListener({
      connectionString: options.listenConnectionString ?? options.connectionString,
      channel: this.channel,
      connectTimeoutMs,
      channelBinding: options.channelBinding === true,
      onJobs: () => notify(this.listeners),
      onEvents: () => notify(this.eventListeners),
    });
    this.operations = new Operations(this.db, this.sql, this.channel, () => this.wake());
    this.registry = new Registry(this.db, this.sql, this.channel, this.schema, () =>
      notify(this.eventListeners),
    );
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async close(): Promise<void> {
    this.listeners.clear();
    this.eventListeners.clear();
    await this.listener.stop();
    await this.db.close();
  }

  migrations(): readonly Migration[] {
    return migrationsFor(this.schema);
  }

  migrationScript(after: number): string {
    return migrationScript(this.schema, after);
  }

  async migrate(): Promise<{ applied: Migration[] }> {
    return { applied: await applyMigrations(this.db, this.schema) };
  }

  // ---- wake-ups ------------------------------------------------------------------------------------

  listen(onWake: () => void): () => void {
    return this.subscribe(this.listeners, onWake);
  }

  eventListen(onEvents: () => void): () => void {
    return this.subscribe(this.eventListeners, onEvents);
  }

  /** Adds a listener; the LISTEN connection is open while anyone listens, for jobs or events. */
  private subscribe(set: Set<() => void>, fn: () => void): () => void {
    set.add(fn);
    if (!this.db.isClosed) this.listener.start();
    return () => {
      set.delete(fn);
      if (this.listeners.size === 0 && this.eventListeners.size === 0) void this.listener.stop();
    };
  }

  private wake(): void {
    notify(this.listeners);
  }

  // ---- insert --------------------------------------------------------------------------------------

  async jobInsertMany(params: { jobs: NewJob[]; tx?: unknown }): Promise<InsertResult[]> {
    const jobs = params.jobs;
    if (jobs.length === 0) return [];
    // Several statements (dedup keys, or more rows than one statement takes) need a transaction.
    const several = jobs.length > INSERT_CHUNK || jobs.some((j) => j.key !== null);
    if (params.tx !== undefined) {
      const run = foreignRun(params.tx);
      // One enqueue at a time per application client: statements of two at once would interleave, and
      // one's RELEASE or ROLLBACK TO would act on the other's savepoint.
      const tx = params.tx as object;
      const next = (this.txQueues.get(tx) ?? Promise.resolve())
        .catch(() => {})
        .then(() => this.insertInTransaction(run, jobs, several));
      this.txQueues.set(tx, next);
      return next;
    }
    const results = several
      ? await this.db.transaction((client) =>
          insertJobs(
            async (text, values) => (await client.query(this.db.config(text, values))).rows,
            this.insertSql,
            jobs,
          ),
        )
      : // Without keys the batch is one statement: atomic on its own, no BEGIN/COMMIT round trips.
        await insertJobs((text, values) => this.db.query(text, values), this.insertSql, jobs);
    if (results.some((r) => r.outcome !== 'existing')) this.wake();
    return results;
  }

  /**
   * Joins the application's open transaction. The jobs (and the NOTIFY that wakes workers) become
   * visible when the application commits, and vanish if it rolls back. A batch of several statements
   * runs inside a savepoint, so a refused batch (DuplicateJobError) leaves the transaction usable.
   */
  private async insertInTransaction(run: Run, jobs: NewJob[], several: boolean): Promise<InsertResult[]> {
    if (!several) {
      try {
        return await insertJobs(run, this.insertSql, jobs);
      } catch (e) {
        throw mapError(e);
      }
    }
    await run('SAVEPOINT fila_enqueue', []).catch((e: unknown) => {
      throw mapError(e);
    });
    try {
      const results = await insertJobs(run, this.insertSql, jobs);
      await run('RELEASE SAVEPOINT fila_enqueue', []);
      return results;
    } catch (e) {
      await run('ROLLBACK TO SAVEPOINT fila_enqueue', []).catch(() => {});
      throw mapError(e);
    }
  }

  // ---- claim and finish ----------------------------------------------------------------------------

  /** The text of a claim statement for one or several queues (`{queues}` on parameter `$n`). */
  private claimStatement(template: 'claim' | 'completeAndClaim', several: boolean): string {
    const key = `${template}:${several}`;
    let text = this.claimText.get(key);
    if (!text) {
      const n = template === 'claim' ? 1 : 4;
      text = this.sql[template].split('{queues}').join(queuesCondition(this.schema, n, several));
      this.claimText.set(key, text);
    }
    return text;
  }

  private claimValues(params: ClaimParams, nonce: string): unknown[] {
    const several = params.queues.length > 1;
    return [
      several ? params.queues : params.queues[0],
      Math.floor(params.limit),
      nonce,
      Math.round(params.leaseMs),
      params.workerId,
    ];
  }

  private claimResult(params: ClaimParams, nonce: string, row: ClaimRow): ClaimResult {
    const now = num(row.now);
    return {
      jobs: claimedFromTuples(row.jobs, nonce, now, Math.round(params.leaseMs), params.workerId),
      nextRunAt: row.next_run_at === null ? null : num(row.next_run_at),
      now,
    };
  }

  async jobClaim(params: ClaimParams): Promise<ClaimResult> {
    checkClaim(params);
    if (params.limit <= 0 || params.queues.length === 0)
      return { jobs: [], nextRunAt: null, now: Date.now() };
    const nonce = claimNonce(params);
    const text = this.claimStatement('claim', params.queues.length > 1);
    const [row] = await this.db.query<ClaimRow>(text, this.claimValues(params, nonce));
    return this.claimResult(params, nonce, row!);
  }

  async jobCompleteMany(params: {
    jobs: CompleteItem[];
    claim?: ClaimParams;
  }): Promise<FinishResult & { claimed?: ClaimResult }> {
    checkClaim(params.claim);
    const { leases, seqs, tokens } = fenced(params.jobs);
    // Array literals built here: see arrays.ts.
    const arrays = [intArray(seqs), textArray(tokens), textArray(params.jobs.map((j) => j.result))];
    const claim = params.claim;
    if (!claim || claim.limit <= 0 || claim.queues.length === 0) {
      const rows = await this.db.query<FencedRow & { finished_at: number }>(this.sql.complete, arrays);
      const out = finished(
        leases,
        rows.map((r) => [r.seq, r.token, r.state, r.finished_at]),
      );
      return claim ? { ...out, claimed: { jobs: [], nextRunAt: null, now: Date.now() } } : out;
    }
    const nonce = claimNonce(claim);
    const text = this.claimStatement('completeAndClaim', claim.queues.length > 1);
    const [row] = await this.db.query<ClaimRow & { done: number[] | null }>(text, [
      ...arrays,
      ...this.claimValues(claim, nonce),
    ]);
    return {
      ...finishedAt(leases, row!.done ?? [], num(row!.now)),
      claimed: this.claimResult(claim, nonce, row!),
    };
  }

  async jobFailMany(params: { jobs: FailItem[] }): Promise<FinishResult> {
    if (params.jobs.length === 0) return { done: [], lost: [] };
    const { leases, seqs, tokens } = fenced(params.jobs);
    const rows = await this.db.query<FencedRow & { run_at: number }>(this.sql.fail, [
      seqs,
      tokens,
      params.jobs.map((j) => (j.retryDelayMs === null ? null : Math.max(0, Math.round(j.retryDelayMs)))),
      params.jobs.map((j) => j.error.name),
      params.jobs.map((j) => j.error.message),
      params.jobs.map((j) => j.error.code ?? null),
      params.jobs.map((j) => j.error.stack ?? null),
    ]);
    return finished(
      leases,
      rows.map((r) => [r.seq, r.token, r.state, r.run_at]),
    );
  }

  async jobReleaseMany(params: { jobs: ReleaseItem[] }): Promise<FinishResult> {
    if (params.jobs.length === 0) return { done: [], lost: [] };
    const { leases, seqs, tokens } = fenced(params.jobs);
    const rows = await this.db.query<FencedRow & { run_at: number }>(this.sql.release, [
      seqs,
      tokens,
      params.jobs.map((j) => Math.max(0, Math.round(j.delayMs))),
      this.channel,
    ]);
    const out = finished(
      leases,
      rows.map((r) => [r.seq, r.token, r.state, r.run_at]),
    );
    if (out.done.some((d) => d.state === 'queued')) this.wake();
    return out;
  }

  async jobReleaseClaim(params: { claimId: string }): Promise<{ released: string[]; cancelled: string[] }> {
    const rows = await this.db.query<{ id: string; state: JobState }>(this.sql.releaseClaim, [
      checkClaimId(params.claimId),
      this.channel,
    ]);
    const released = rows.filter((r) => r.state === 'queued').map((r) => r.id);
    if (released.length) this.wake();
    return { released, cancelled: rows.filter((r) => r.state !== 'queued').map((r) => r.id) };
  }

  async jobExtendLeases(params: { leases: LeaseRef[]; leaseMs: number }): Promise<LeaseStatus> {
    if (params.leases.length === 0) return EMPTY_STATUS();
    const { leases, seqs, tokens } = fenced(params.leases);
    const rows = await this.db.query<{
      seq: number;
      lease_token: string;
      cancel_requested_at: number | null;
    }>(this.sql.extend, [seqs, tokens, Math.round(params.leaseMs)]);
    const found = new Map(rows.map((r) => [`${r.lease_token}.${r.seq}`, r]));
    const out = EMPTY_STATUS();
    for (const lease of leases) {
      const row = found.get(lease.key);
      const ref = { id: lease.id, token: lease.token };
      if (!row) out.lost.push(ref);
      else if (row.cancel_requested_at !== null) out.cancelRequested.push(ref);
    }
    return out;
  }

  async jobCheckLeases(params: { leases: LeaseRef[] }): Promise<LeaseStatus> {
    if (params.leases.length === 0) return EMPTY_STATUS();
    const { leases, seqs } = fenced(params.leases);
    const rows = await this.db.query<{
      seq: number;
      state: string;
      lease_token: string | null;
      cancel_requested_at: number | null;
    }>(this.sql.leases, [seqs]);
    const bySeq = new Map(rows.map((r) => [num(r.seq), r]));
    const out = EMPTY_STATUS();
    for (const lease of leases) {
      const row = bySeq.get(lease.seq);
      const ref = { id: lease.id, token: lease.token };
      if (!row || row.state !== 'active' || row.lease_token !== lease.nonce) out.lost.push(ref);
      else if (row.cancel_requested_at !== null) out.cancelRequested.push(ref);
    }
    return out;
  }

  async jobProgressMany(params: { jobs: ProgressItem[] }): Promise<{ lost: LeaseRef[] }> {
    if (params.jobs.length === 0) return { lost: [] };
    const { leases, seqs, tokens } = fenced(params.jobs);
    const rows = await this.db.query<{ seq: number; lease_token: string }>(this.sql.progress, [
      seqs,
      tokens,
      params.jobs.map((p) => p.percent),
      params.jobs.map((p) => p.message),
    ]);
    const found = new Set(rows.map((r) => `${r.lease_token}.${r.seq}`));
    return {
      lost: leases.filter((l) => !found.has(l.key)).map((l) => ({ id: l.id, token: l.token })),
    };
  }

  async jobLogAppend(params: { entries: LogItem[] }): Promise<void> {
    const entries = params.entries;
    if (entries.length === 0) return;
    await this.db.query(this.sql.logAppend, [
      entries.map((e) => e.id),
      entries.map((e) => e.attempt),
      entries.map((e) => e.message),
    ]);
  }

  async jobRescue(params: { maxCrashes: number; limit: number }): Promise<{
    requeued: string[];
    failed: string[];
    cancelled: string[];
  }> {
    const rows = await this.db.query<{ id: string; state: string }>(this.sql.rescue, [
      Math.floor(params.maxCrashes),
      Math.floor(params.limit),
      this.channel,
    ]);
    const out = { requeued: [] as string[], failed: [] as string[], cancelled: [] as string[] };
    for (const r of rows) {
      if (r.state === 'queued') out.requeued.push(r.id);
      else if (r.state === 'failed') out.failed.push(r.id);
      else out.cancelled.push(r.id);
    }
    if (out.requeued.length) this.wake();
    return out;
  }

  async jobPromoteDue(params: { exceptQueues: string[]; limit: number }): Promise<{ promoted: number }> {
    const rows = await this.db.query<{ promoted: number }>(this.sql.promoteDue, [
      params.exceptQueues,
      Math.floor(params.limit),
    ]);
    return { promoted: rows[0]?.promoted ?? 0 };
  }

  // ---- reads and operator actions (operations.ts) -------------------------------------------------

  jobGet(params: { ids: string[] }): Promise<Job[]> {
    return this.operations.jobGet(params);
  }

  jobList(params: {
    filter: JobFilter;
    limit: number;
    cursor?: string | null;
    order?: 'asc' | 'desc';
  }): Promise<{ jobs: Job[]; cursor: string | null }> {
    return this.operations.jobList(params);
  }

  jobLogs(params: { id: string; after?: number; limit: number }): Promise<JobLogEntry[]> {
    return this.operations.jobLogs(params);
  }

  queueList(params: { tenant?: string } = {}): Promise<QueueInfo[]> {
    return this.operations.queueList(params);
  }

  jobCancel(params: JobTarget): Promise<{ cancelled: string[]; requested: string[] }> {
    return this.operations.jobCancel(params);
  }

  jobRetry(params: JobTarget): Promise<{ retried: string[] }> {
    return this.operations.jobRetry(params);
  }

  jobRemove(params: { ids: string[] }): Promise<{ removed: string[] }> {
    return this.operations.jobRemove(params);
  }

  jobClean(params: {
    state: 'completed' | 'failed' | 'cancelled';
    olderThanMs: number;
    queues?: string[];
    limit: number;
  }): Promise<{ removed: number }> {
    return this.operations.jobClean(params);
  }

  queuePause(params: { queue: string }): Promise<void> {
    return this.operations.queuePause(params);
  }

  queueResume(params: { queue: string }): Promise<void> {
    return this.operations.queueResume(params);
  }

  queueForget(params: { queue: string }): Promise<QueueForgetResult> {
    return this.operations.queueForget(params);
  }

  // ---- events, tokens, workers (registry.ts) -------------------------------------------------------

  eventAppend(params: { events: NewEvent[] }): Promise<void> {
    return this.registry.eventAppend(params);
  }

  eventHead(): Promise<string | null> {
    return this.registry.eventHead();
  }

  eventRead(params: {
    after: string | null;
    limit: number;
  }): Promise<{ events: StoredEvent[]; cursor: string | null }> {
    return this.registry.eventRead(params);
  }

  eventPrune(params: { olderThanMs: number }): Promise<{ removed: number }> {
    return this.registry.eventPrune(params);
  }

  tokenCreate(params: { token: Omit<TokenRecord, 'createdAt'>; secretHash: string }): Promise<TokenRecord> {
    return this.registry.tokenCreate(params);
  }

  tokenGet(params: { id: string }): Promise<(TokenRecord & { secretHash: string }) | null> {
    return this.registry.tokenGet(params);
  }

  tokenList(): Promise<TokenRecord[]> {
    return this.registry.tokenList();
  }

  tokenRevoke(params: { id: string }): Promise<{ revoked: boolean }> {
    return this.registry.tokenRevoke(params);
  }

  workerBeat(params: { worker: WorkerInfo; ttlMs: number }): Promise<void> {
    return this.registry.workerBeat(params);
  }

  workerList(): Promise<(WorkerInfo & { lastSeenAt: number })[]> {
    return this.registry.workerList();
  }

  workerRemove(params: { id: string }): Promise<void> {
    return this.registry.workerRemove(params);
  }
}

/** Calls every listener; one listener's failure must not stop the others. */
function notify(listeners: Set<() => void>): void {
  for (const listener of listeners) {
    try {
      listener();
    } catch {
      // ignored: see above
    }
  }
}
