/**
 * The Redis store: Fila on one Redis server (or one slot of a Cluster), shared by any number of API and
 * worker processes on any number of hosts.
 *
 * Every state transition is one Lua script (lua/*.lua), so it is atomic and isolated: dedup keys, fencing
 * tokens and claims need no locks and no check-then-act from the client. Scripts read the time with
 * Redis TIME: leases, schedules, backoff and retention all follow the server's clock, never a client's.
 *
 * Reads (get, list, counts, logs) are plain commands, consistent per call (MULTI) but not transitions.
 *
 * Durability follows the server's persistence settings (see docs/stores/redis.md): with AOF and
 * `appendfsync always` an acknowledged enqueue survives a server crash; with `everysec` up to about a
 * second of writes may be lost; without persistence, a restart loses everything.
 *
 * Transactional enqueue is impossible (Redis cannot join an SQL transaction): `capabilities.transactions`
 * is false, and docs/stores/redis.md describes the outbox pattern instead.
 */
import {
  DuplicateJobError,
  SchemaVersionError,
  UnsupportedError,
  ValidationError,
} from '../../core/errors.js';
import { randomToken } from '../../core/ids.js';
import type { Job, JobFilter, JobState } from '../../core/job.js';
import type {
  ClaimParams,
  ClaimResult,
  ClaimedJob,
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
import { connect, ready, type RedisClient } from './connection.js';
import { checkClaim, checkClaimId } from '../shared.js';
import { publicId, storedId } from './ids.js';
import { KeyLayout } from './keys.js';
import { Operations } from './operations.js';
import { Reads } from './reads.js';
import {
  claimedToJob,
  encodeRecord,
  fieldsToJob,
  leaseToken,
  parseLeaseToken,
  type JobFields,
} from './records.js';
import { Registry } from './registry.js';
import { Scripts, mapRedisError, type ScriptName } from './scripts.js';
import { Subscriber } from './wake.js';

export interface RedisStoreOptions {
  /** Connection URL for ioredis (redis:// or rediss://), without Fila's parameters. */
  url: string;
  /** The URL names one node of a Redis Cluster. Default false. */
  cluster?: boolean;
  /** Key prefix: the namespace of this Fila in the server. Default `fila`. */
  prefix?: string;
  /**
   * How many reconnection attempts a command waits through before failing with StoreUnavailableError
   * while the server is down. Default 2 (about a second at most).
   */
  maxRetriesPerRequest?: number;
  /** How long a command may go unanswered before it fails with StoreUnavailableError. Default 10 s. */
  commandTimeoutMs?: number;
}

const LAYOUT_VERSION = 4;
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'key_layout',
    sql: '-- Redis keeps no schema: version 1 is the key layout described in src/stores/redis/lua/lib.lua.',
  },
  {
    version: 2,
    name: 'one_record_per_job',
    sql: "-- Each job's state string moves from the `st` hash to the front of its record in `job` (src/stores/redis/lua/migrate-layout-2.lua).",
  },
  {
    version: 3,
    name: 'ready_list',
    sql: '-- Jobs queued at insert with the default priority wait in a per-queue list (`q:<queue>:l`). Nothing to convert: jobs already in the ready sets stay there; the version only keeps older Fila processes, which do not read the lists, out.',
  },
  {
    version: 4,
    name: 'short_ids',
    sql: '-- Job ids are stored in 22 characters instead of 36 (src/stores/redis/ids.ts), and a state in one letter. Each job moves to its new id in every hash and sorted set (src/stores/redis/lua/migrate-layout-4.lua); ready lists and the `all` stream keep the ids they hold.',
  },
];

type ClaimReply = [string, string | null, ...[string, string, string, string | null][]];

/** A worker id ends a job's state string, which a newline ends (lua/lib.lua). */
function checkWorkerId(id: string): string {
  if (/[\r\n]/.test(id)) throw new ValidationError(`workerId: must not contain a line break`);
  return id;
}

export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly capabilities: StoreCapabilities = { crossProcessWake: true, transactions: false };
  readonly layout: KeyLayout;
  /** The command connection (shared by every call; commands are pipelined, not auto-pipelined). */
  readonly redis: RedisClient;

  private readonly scripts: Scripts;
  private readonly subscriber: Subscriber;
  private readonly reads: Reads;
  private readonly registry: Registry;
  private readonly operations: Operations;

  constructor(options: RedisStoreOptions) {
    this.layout = new KeyLayout(options.prefix ?? 'fila');
    const target = {
      url: options.url,
      cluster: options.cluster ?? false,
      ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
      ...(options.maxRetriesPerRequest === undefined
        ? {}
        : { maxRetriesPerRequest: options.maxRetriesPerRequest }),
    };
    this.redis = connect(target, 'commands');
    this.scripts = new Scripts(this.redis, this.layout);
    this.subscriber = new Subscriber(() => connect(target, 'subscriber'), this.layout.channel);
    this.reads = new Reads(this.redis, this.layout, (name, queues, args) => this.run(name, queues, args));
    this.operations = new Operations(
      this.layout,
      this.reads,
      (name, queues, args, extra) => this.run(name, queues, args, extra),
      () => this.subscriber.notify('jobs'),
    );
    this.registry = new Registry(
      this.redis,
      this.layout,
      (name, args) => this.run(name, [], args),
      () => this.subscriber.notify('events'),
    );
  }

  private run(
    name: ScriptName,
    queues: readonly string[],
    args: (string | number)[],
    extraKeys?: readonly string[],
  ): Promise<unknown> {
    return this.scripts.run(name, queues, args, extraKeys);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async close(): Promise<void> {
    this.subscriber.close();
    if (this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Waits for the connection to be usable on `database` (see connection.ts `ready`). */
  ready(database: number): Promise<void> {
    return ready(this.redis, database);
  }

  migrations(): readonly Migration[] {
    return MIGRATIONS;
  }

  /**
   * Records the key layout's version, converts a namespace of an older layout, and refuses one written by
   * a newer Fila. The version is raised before converting, so an older Fila refuses the namespace from
   * then on. Layout 1's conversion runs whenever its `st` hash exists; layout 4's while its marker key
   * (holding how far it got) exists, set before the version is raised. Either one cut short resumes at
   * the next start.
   */
  async migrate(): Promise<{ applied: Migration[] }> {
    try {
      const key = this.layout.named.version;
      const fresh = (await this.redis.set(key, LAYOUT_VERSION, 'NX')) === 'OK';
      const found = fresh ? 0 : Number(await this.redis.get(key));
      if (found > LAYOUT_VERSION) throw new SchemaVersionError(found, LAYOUT_VERSION);
      const marker = `{${this.layout.prefix}}:mig4`;
      if (!fresh && found < 4) await this.redis.set(marker, '0', 'NX');
      if (!fresh && found < LAYOUT_VERSION) await this.redis.set(key, LAYOUT_VERSION);
      const st = `{${this.layout.prefix}}:st`;
      if (await this.redis.exists(st)) {
        let cursor = '0';
        do cursor = String(await this.run('migrateLayout2', [], [cursor], [st]));
        while (cursor !== 'done');
      }
      if (await this.redis.exists(marker)) {
        const queues = await this.reads.queueNames();
        while ((await this.run('migrateLayout4', queues, [], [marker])) !== 'done');
      }
      return { applied: MIGRATIONS.filter((m) => m.version > found) };
    } catch (e) {
      throw mapRedisError(e, 'migrate', this.redis);
    }
  }

  // ---- wake-ups ------------------------------------------------------------------------------------

  listen(onWake: () => void): () => void {
    return this.subscriber.add('jobs', onWake);
  }

  eventListen(onEvents: () => void): () => void {
    return this.subscriber.add('events', onEvents);
  }

  // ---- insert --------------------------------------------------------------------------------------

  async jobInsertMany(params: { jobs: NewJob[]; tx?: unknown }): Promise<InsertResult[]> {
    if (params.tx !== undefined) {
      throw new UnsupportedError('tx: the redis store cannot join an application transaction');
    }
    const jobs = params.jobs;
    if (jobs.length === 0) return [];
    const args: (string | number)[] = [jobs.length];
    for (const job of jobs) {
      args.push(
        storedId(job.id),
        job.queue,
        job.priority,
        job.runAt ?? '',
        job.delayMs,
        job.tenant ?? '',
        job.key ?? '',
        job.dedup,
        encodeRecord(job),
      );
    }
    const reply = (await this.run(
      'insert',
      jobs.map((j) => j.queue),
      args,
    )) as unknown[];
    if (reply[0] === 'DUPLICATE') {
      throw new DuplicateJobError(String(reply[1]), publicId(String(reply[2])));
    }
    const results = (reply as [InsertResult['outcome'], string, JobState, string, string, JobFields?][]).map(
      ([outcome, id, state, runAt, createdAt, fields], i): InsertResult => {
        const result: InsertResult = {
          id: outcome === 'inserted' ? jobs[i]!.id : publicId(id), // an inserted job has the id it was sent
          outcome,
          state,
          runAt: Number(runAt),
          createdAt: Number(createdAt),
        };
        const job = fields ? fieldsToJob([result.id, ...fields.slice(1)] as JobFields) : null;
        if (job) result.job = job;
        return result;
      },
    );
    if (results.some((r) => r.outcome !== 'existing')) this.subscriber.notify('jobs');
    return results;
  }

  // ---- claim and finish ----------------------------------------------------------------------------

  async jobClaim(params: ClaimParams): Promise<ClaimResult> {
    checkClaim(params);
    if (params.limit <= 0 || params.queues.length === 0)
      return { jobs: [], nextRunAt: null, now: Date.now() };
    const nonce = params.claimId === undefined ? randomToken(8) : checkClaimId(params.claimId);
    const reply = (await this.run('claim', params.queues, [
      params.limit,
      params.leaseMs,
      checkWorkerId(params.workerId),
      nonce,
    ])) as ClaimReply;
    return claimResult(reply);
  }

  async jobCompleteMany(params: {
    jobs: CompleteItem[];
    claim?: ClaimParams;
  }): Promise<FinishResult & { claimed?: ClaimResult }> {
    checkClaim(params.claim);
    const queues: string[] = [];
    const args: (string | number)[] = [params.jobs.length];
    for (const job of params.jobs) {
      const lease = parseLeaseToken(job.token);
      queues.push(lease.queue);
      args.push(storedId(job.id), lease.nonce, lease.queue, job.result ?? '');
    }
    const claim = params.claim && params.claim.limit > 0 && params.claim.queues.length ? params.claim : null;
    const nonce = claim?.claimId === undefined ? randomToken(8) : checkClaimId(claim.claimId);
    if (claim) {
      queues.push(...claim.queues);
      args.push(
        claim.limit,
        claim.leaseMs,
        checkWorkerId(claim.workerId),
        nonce,
        claim.queues.length,
        ...claim.queues,
      );
    } else args.push(0, 0, '', '', 0);
    const [codes, now, claimed] = (await this.run('complete', queues, args)) as [
      string[],
      string,
      ClaimReply | null,
    ];
    const out: FinishResult = { done: [], lost: [] };
    const at = Number(now);
    for (let i = 0; i < params.jobs.length; i++) {
      const job = params.jobs[i]!;
      const code = codes[i];
      if (code === 'l') out.lost.push({ id: job.id, token: job.token });
      else
        out.done.push({
          id: job.id,
          token: job.token,
          state: code === 'c' ? 'completed' : 'cancelled',
          runAt: at,
        });
    }
    if (!params.claim) return out;
    return {
      ...out,
      claimed: claimed ? claimResult(claimed) : { jobs: [], nextRunAt: null, now: at },
    };
  }

  async jobFailMany(params: { jobs: FailItem[] }): Promise<FinishResult> {
    const args: (string | number)[] = [params.jobs.length];
    for (const job of params.jobs) {
      const lease = parseLeaseToken(job.token);
      const e = job.error;
      args.push(storedId(job.id), lease.nonce, lease.queue, job.retryDelayMs ?? '', e.name, e.message);
      args.push(e.code ?? '', e.stack ?? '');
    }
    return this.fenced('fail', params.jobs, args);
  }

  async jobReleaseMany(params: { jobs: ReleaseItem[] }): Promise<FinishResult> {
    const args: (string | number)[] = [params.jobs.length];
    for (const job of params.jobs) {
      const lease = parseLeaseToken(job.token);
      args.push(storedId(job.id), lease.nonce, lease.queue, Math.max(0, Math.floor(job.delayMs)));
    }
    const out = await this.fenced('release', params.jobs, args);
    if (out.done.some((d) => d.state === 'queued')) this.subscriber.notify('jobs');
    return out;
  }

  async jobReleaseClaim(params: { claimId: string }): Promise<{ released: string[]; cancelled: string[] }> {
    // No queues up front: the script names those of the claim's jobs (MOVED).
    const reply = (await this.run('releaseClaim', [], [checkClaimId(params.claimId)])) as string[];
    const out = { released: [] as string[], cancelled: [] as string[] };
    for (let i = 0; i < reply.length; i += 2) {
      (reply[i + 1] === 'queued' ? out.released : out.cancelled).push(publicId(reply[i]!));
    }
    if (out.released.length) this.subscriber.notify('jobs');
    return out;
  }

  /** Runs a fenced script that answers {state, runAt} per lease, or false for a stale one. */
  private async fenced(
    name: ScriptName,
    items: LeaseRef[],
    args: (string | number)[],
  ): Promise<FinishResult> {
    const queues = items.map((i) => parseLeaseToken(i.token).queue);
    const reply = (await this.run(name, queues, args)) as ([JobState, string] | null)[];
    const out: FinishResult = { done: [], lost: [] };
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const r = reply[i];
      if (r) out.done.push({ id: item.id, token: item.token, state: r[0], runAt: Number(r[1]) });
      else out.lost.push({ id: item.id, token: item.token });
    }
    return out;
  }

  async jobExtendLeases(params: { leases: LeaseRef[]; leaseMs: number }): Promise<LeaseStatus> {
    if (params.leases.length === 0) return { lost: [], cancelRequested: [] };
    const queues: string[] = [];
    const args: (string | number)[] = [params.leaseMs, params.leases.length];
    for (const l of params.leases) {
      const lease = parseLeaseToken(l.token);
      queues.push(lease.queue);
      args.push(storedId(l.id), lease.nonce, lease.queue);
    }
    const codes = (await this.run('extend', queues, args)) as string[];
    const out: LeaseStatus = { lost: [], cancelRequested: [] };
    params.leases.forEach((l, i) => {
      if (codes[i] === 'l') out.lost.push({ id: l.id, token: l.token });
      else if (codes[i] === 'c') out.cancelRequested.push({ id: l.id, token: l.token });
    });
    return out;
  }

  jobCheckLeases(params: { leases: LeaseRef[] }): Promise<LeaseStatus> {
    return this.reads.checkLeases(params.leases);
  }

  async jobProgressMany(params: { jobs: ProgressItem[] }): Promise<{ lost: LeaseRef[] }> {
    if (params.jobs.length === 0) return { lost: [] };
    const queues: string[] = [];
    const args: (string | number)[] = [params.jobs.length];
    for (const p of params.jobs) {
      const lease = parseLeaseToken(p.token);
      queues.push(lease.queue);
      args.push(
        storedId(p.id),
        lease.nonce,
        lease.queue,
        JSON.stringify({ percent: p.percent, message: p.message }),
      );
    }
    const stored = (await this.run('progress', queues, args)) as number[];
    return {
      lost: params.jobs.filter((_, i) => stored[i] !== 1).map((p) => ({ id: p.id, token: p.token })),
    };
  }

  async jobLogAppend(params: { entries: LogItem[] }): Promise<void> {
    if (params.entries.length === 0) return;
    const args: (string | number)[] = [params.entries.length];
    for (const e of params.entries) args.push(storedId(e.id), e.attempt, e.message);
    await this.run(
      'logAppend',
      [],
      args,
      params.entries.map((e) => this.layout.logKey(e.id)),
    );
  }

  async jobRescue(params: { maxCrashes: number; limit: number }): Promise<{
    requeued: string[];
    failed: string[];
    cancelled: string[];
  }> {
    // No queues up front: most sweeps find nothing, and one that does names the queues it needs (MOVED).
    const reply = (await this.run('rescue', [], [params.maxCrashes, params.limit])) as string[];
    const out = { requeued: [] as string[], failed: [] as string[], cancelled: [] as string[] };
    for (let i = 0; i < reply.length; i += 2) {
      const [id, state] = [publicId(reply[i]!), reply[i + 1]];
      if (state === 'queued') out.requeued.push(id);
      else if (state === 'failed') out.failed.push(id);
      else out.cancelled.push(id);
    }
    if (out.requeued.length) this.subscriber.notify('jobs');
    return out;
  }

  // ---- operator actions (operations.ts) -----------------------------------------------------------

  jobCancel(params: JobTarget): Promise<{ cancelled: string[]; requested: string[] }> {
    return this.operations.jobCancel(params);
  }

  jobPromoteDue(params: { exceptQueues: string[]; limit: number }): Promise<{ promoted: number }> {
    return this.operations.jobPromoteDue(params);
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

  // ---- reads (reads.ts) ----------------------------------------------------------------------------

  jobGet(params: { ids: string[] }): Promise<Job[]> {
    return this.reads.jobGet(params.ids);
  }

  jobList(params: {
    filter: JobFilter;
    limit: number;
    cursor?: string | null;
    order?: 'asc' | 'desc';
  }): Promise<{ jobs: Job[]; cursor: string | null }> {
    return this.reads.jobList(params);
  }

  jobLogs(params: { id: string; after?: number; limit: number }): Promise<JobLogEntry[]> {
    return this.reads.jobLogs(params);
  }

  queueList(params: { tenant?: string } = {}): Promise<QueueInfo[]> {
    return this.reads.queueList(params.tenant);
  }

  // ---- events, tokens, workers (registry.ts) -------------------------------------------------------

  eventAppend(params: { events: NewEvent[] }): Promise<void> {
    return this.registry.eventAppend(params.events);
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
    return this.registry.eventPrune(params.olderThanMs);
  }

  tokenCreate(params: { token: Omit<TokenRecord, 'createdAt'>; secretHash: string }): Promise<TokenRecord> {
    return this.registry.tokenCreate(params);
  }

  tokenGet(params: { id: string }): Promise<(TokenRecord & { secretHash: string }) | null> {
    return this.registry.tokenGet(params.id);
  }

  tokenList(): Promise<TokenRecord[]> {
    return this.registry.tokenList();
  }

  tokenRevoke(params: { id: string }): Promise<{ revoked: boolean }> {
    return this.registry.tokenRevoke(params.id);
  }

  workerBeat(params: { worker: WorkerInfo; ttlMs: number }): Promise<void> {
    return this.registry.workerBeat(params);
  }

  workerList(): Promise<(WorkerInfo & { lastSeenAt: number })[]> {
    return this.registry.workerList();
  }

  workerRemove(params: { id: string }): Promise<void> {
    return this.registry.workerRemove(params.id);
  }
}

/** Claimed jobs from claimJobs' reply (lua/lib.lua), each with its token and lease expiry. */
function claimResult(reply: ClaimReply): ClaimResult {
  const [now, nextRunAt, ...rows] = reply;
  const jobs = new Array<ClaimedJob>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [id, record, status, errors] = rows[i]!;
    const job = claimedToJob(publicId(id), record, status, errors) as ClaimedJob;
    const fields = status.split('|');
    job.token = leaseToken(fields[13]!, job.queue);
    job.leaseExpiresAt = Number(fields[11]);
    jobs[i] = job;
  }
  return { jobs, nextRunAt: nextRunAt === null ? null : Number(nextRunAt), now: Number(now) };
}
