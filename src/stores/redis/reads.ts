/**
 * The Redis store's reads: jobs by id, filtered lists with cursors, logs, lease checks, queue counts and
 * health. Reads are plain commands (one MULTI where several hashes must agree), not transitions.
 *
 * Listing walks the insertion index (`all`, a stream with one entry per job, `0-<sequence number>`) in pages and filters on the
 * state strings, so a filter that matches few of many jobs reads many: a page stops after scanning
 * SCAN_CAP jobs and returns a cursor to go on from there (a short page with a cursor, never a gap). A
 * filter naming states whose indexes hold few jobs (active ones, failed ones, a queue's backlog) reads
 * those indexes instead. Both ways order by sequence number, so their cursors are the same.
 */
import { ValidationError } from '../../core/errors.js';
import { isJobState, type Job, type JobFilter, type JobState } from '../../core/job.js';
import {
  emptyCounts,
  type JobLogEntry,
  type JobTarget,
  type LeaseRef,
  type LeaseStatus,
  type QueueInfo,
} from '../../core/store.js';
import type { RedisClient } from './connection.js';
import { publicId, storedId } from './ids.js';
import type { KeyLayout } from './keys.js';
import {
  decodeStatus,
  fieldsToJob,
  parseLeaseToken,
  recordHasTask,
  splitRecord,
  type JobFields,
  type JobStatus,
} from './records.js';
import { mapRedisError, type ScriptName } from './scripts.js';

type Run = (name: ScriptName, queues: readonly string[], args: (string | number)[]) => Promise<unknown>;

const PAGE = 500;
const SCAN_CAP = 50_000;
/** Lists read the state indexes directly when those hold at most this many jobs. */
const INDEX_CAP = 10_000;
/** Position of a queue's ready list among its keys (KeyLayout.queueKeys); queued jobs are there or in its ready set. */
const LIST_INDEX = 5;
/** Position of a state's index among a queue's keys (KeyLayout.queueKeys). */
const INDEX_OF: Record<Exclude<JobState, 'active' | 'blocked'>, number> = {
  queued: 0,
  scheduled: 1,
  retrying: 1,
  completed: 2,
  failed: 3,
  cancelled: 4,
};

export class Reads {
  constructor(
    private readonly redis: RedisClient,
    private readonly layout: KeyLayout,
    private readonly run: Run,
  ) {}

  private async call<T>(during: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      throw mapRedisError(e, during, this.redis);
    }
  }

  /** Every queue the namespace has seen (registered at insert or pause). */
  queueNames(): Promise<string[]> {
    return this.call('queue list', async () => (await this.redis.hkeys(this.layout.named.queues)).sort());
  }

  async jobGet(ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const k = this.layout.named;
    const stored = ids.map(storedId);
    const replies = await this.call('job get', () =>
      this.redis
        .multi()
        .hmget(k.job, ...stored)
        .hmget(k.prog, ...stored)
        .hmget(k.res, ...stored)
        .hmget(k.lasterr, ...stored)
        .hmget(k.errs, ...stored)
        .exec(),
    );
    const columns = (replies ?? []).map(([error, value]) => {
      if (error) throw mapRedisError(error, 'job get', this.redis);
      return value as (string | null)[];
    });
    const jobs: Job[] = [];
    ids.forEach((id, i) => {
      const [status, record] = splitRecord(columns[0]![i] ?? null);
      const job = fieldsToJob([
        id,
        record,
        status,
        ...columns.slice(1).map((c) => c[i] ?? null),
      ] as JobFields);
      if (job) jobs.push(job);
    });
    return jobs;
  }

  async jobList(params: {
    filter: JobFilter;
    limit: number;
    cursor?: string | null;
    order?: 'asc' | 'desc';
  }): Promise<{ jobs: Job[]; cursor: string | null }> {
    const after = params.cursor ? decodeCursor(params.cursor) : null;
    const { ids, next } = await this.scan(params.filter, params.order ?? 'desc', after, params.limit);
    return { jobs: await this.jobGet(ids), cursor: next === null ? null : encodeCursor(next) };
  }

  /** The ids a target names: its ids, or every job matching its filter. */
  async targetIds(target: JobTarget): Promise<string[]> {
    if ('ids' in target) return target.ids;
    const ids: string[] = [];
    let after: number | null = null;
    do {
      const page: { ids: string[]; next: number | null } = await this.scan(
        target.filter,
        'asc',
        after,
        10_000,
      );
      ids.push(...page.ids);
      after = page.next;
    } while (after !== null);
    return ids;
  }

  /**
   * Up to `limit` ids matching `filter` after sequence `after`, and the sequence to go on from (null at
   * the end). Reads the state indexes when the filter names states holding few jobs, else walks the
   * insertion stream.
   */
  private async scan(
    filter: JobFilter,
    order: 'asc' | 'desc',
    after: number | null,
    limit: number,
  ): Promise<{ ids: string[]; next: number | null }> {
    const states =
      filter.state === undefined ? null : Array.isArray(filter.state) ? filter.state : [filter.state];
    for (const state of states ?? [])
      if (!isJobState(state)) throw new ValidationError(`state: unknown state ${JSON.stringify(state)}`);
    const matches = (s: JobStatus, record: string | null | undefined) =>
      (!states || states.includes(s.state)) &&
      (filter.queue === undefined || s.queue === filter.queue) &&
      (filter.tenant === undefined || s.tenant === filter.tenant) &&
      (filter.task === undefined || (!!record && recordHasTask(record, filter.task)));
    if (states) {
      const page = await this.fromIndexes(states, filter, order, after, limit, matches);
      if (page) return page;
    }
    const k = this.layout.named;
    const ids: string[] = [];
    let position = after;
    let scanned = 0;
    for (;;) {
      const from = position === null ? (order === 'asc' ? '-' : '+') : `(0-${position}`;
      const page = await this.call('job list', () =>
        order === 'asc'
          ? this.redis.xrange(k.all, from, '+', 'COUNT', PAGE)
          : this.redis.xrevrange(k.all, from, '-', 'COUNT', PAGE),
      );
      if (page.length === 0) return { ids, next: null };
      const pageIds = page.map(([, fields]) => publicId(fields[1]!));
      const seqs = page.map(([entry]) => Number(entry.slice(2)));
      const { statuses, records } = await this.statuses(pageIds, filter.task !== undefined);
      for (let i = 0; i < pageIds.length; i++) {
        const text = statuses[i];
        if (!text || !matches(decodeStatus(text), records?.[i])) continue;
        if (ids.length === limit) return { ids, next: position };
        ids.push(pageIds[i]!);
        position = seqs[i]!;
      }
      scanned += pageIds.length;
      position = seqs[seqs.length - 1]!;
      if (pageIds.length < PAGE) return { ids, next: null };
      if (scanned >= SCAN_CAP) return { ids, next: position };
    }
  }

  /**
   * The page from the indexes of `states` (per queue, or every queue), when they hold at most
   * INDEX_CAP jobs in all; null when they hold more (walking the stream is then cheaper per page).
   */
  private async fromIndexes(
    states: JobState[],
    filter: JobFilter,
    order: 'asc' | 'desc',
    after: number | null,
    limit: number,
    matches: (s: JobStatus, record: string | null | undefined) => boolean,
  ): Promise<{ ids: string[]; next: number | null } | null> {
    const queues = filter.queue === undefined ? await this.queueNames() : [filter.queue];
    // key -> what it is: a ready set (members are the id after 7 characters), a ready list (ids, some of
    // them stale: the state check below drops those), or a set of ids.
    const sets = new Map<string, 'ready' | 'list' | 'ids'>();
    for (const state of states) {
      if (state === 'active') sets.set(this.layout.named.active, 'ids');
      else if (state !== 'blocked') {
        for (const q of queues) {
          const keys = this.layout.queueKeys(q);
          sets.set(keys[INDEX_OF[state]]!, state === 'queued' ? 'ready' : 'ids');
          if (state === 'queued') sets.set(keys[LIST_INDEX]!, 'list');
        }
      }
    }
    const keys = [...sets.keys()];
    if (keys.length === 0) return { ids: [], next: null };
    const sizes = await this.call('job list', async () => {
      const pipeline = this.redis.pipeline();
      for (const key of keys) {
        if (sets.get(key) === 'list') pipeline.llen(key);
        else pipeline.zcard(key);
      }
      return ((await pipeline.exec()) ?? []).map(([e, n]) => (e ? Infinity : Number(n)));
    });
    if (sizes.reduce((a, b) => a + b, 0) > INDEX_CAP) return null;
    const members = await this.call('job list', async () => {
      const pipeline = this.redis.pipeline();
      for (const key of keys) {
        if (sets.get(key) === 'list') pipeline.lrange(key, 0, -1);
        else pipeline.zrange(key, 0, -1);
      }
      return ((await pipeline.exec()) ?? []).map(([, m]) => (m ?? []) as string[]);
    });
    const ids = [
      ...new Set(
        members.flatMap((list, i) =>
          list.map((m) => publicId(sets.get(keys[i]!) === 'ready' ? m.slice(7) : m)),
        ),
      ),
    ];
    if (ids.length === 0) return { ids: [], next: null };
    const { statuses, records } = await this.statuses(ids, filter.task !== undefined);
    const found: { id: string; seq: number }[] = [];
    ids.forEach((id, i) => {
      const text = statuses[i];
      if (!text) return;
      const s = decodeStatus(text);
      if (!matches(s, records?.[i])) return;
      if (after !== null && (order === 'asc' ? s.seq <= after : s.seq >= after)) return;
      found.push({ id, seq: s.seq });
    });
    found.sort((a, b) => (order === 'asc' ? a.seq - b.seq : b.seq - a.seq));
    const page = found.slice(0, limit);
    return { ids: page.map((f) => f.id), next: found.length > limit ? page.at(-1)!.seq : null };
  }

  /**
   * State strings (and, when asked, the client's part) of jobs, in one round trip. Without records the
   * payloads stay in Redis (a script cuts the state string out).
   */
  private async statuses(
    ids: string[],
    withRecords: boolean,
  ): Promise<{ statuses: (string | null)[]; records: (string | null)[] | null }> {
    const reply = (await this.run('jobStatus', [], [withRecords ? '1' : '0', ...ids.map(storedId)])) as (
      string | null
    )[];
    if (!withRecords) return { statuses: reply, records: null };
    const split = reply.map(splitRecord);
    return { statuses: split.map(([status]) => status), records: split.map(([, record]) => record) };
  }

  async jobLogs(params: { id: string; after?: number; limit: number }): Promise<JobLogEntry[]> {
    const lines = await this.call('job logs', () => this.redis.lrange(this.layout.logKey(params.id), 0, -1));
    const out: JobLogEntry[] = [];
    for (const line of lines) {
      const [seq, at, attempt, message] = JSON.parse(line) as [number, number, number, string];
      if (seq <= (params.after ?? 0)) continue;
      out.push({ seq, at: new Date(at), attempt, message });
      if (out.length >= params.limit) break;
    }
    return out;
  }

  async checkLeases(leases: LeaseRef[]): Promise<LeaseStatus> {
    const out: LeaseStatus = { lost: [], cancelRequested: [] };
    if (leases.length === 0) return out;
    const { statuses } = await this.statuses(
      leases.map((l) => l.id),
      false,
    );
    leases.forEach((l, i) => {
      const text = statuses[i];
      const lease = parseLeaseToken(l.token);
      const s = text ? decodeStatus(text) : null;
      const ref = { id: l.id, token: l.token };
      if (!s || s.state !== 'active' || s.token !== lease.nonce || s.queue !== lease.queue)
        out.lost.push(ref);
      else if (s.cancelRequestedAt !== null) out.cancelRequested.push(ref);
    });
    return out;
  }

  async queueList(tenant?: string): Promise<QueueInfo[]> {
    const k = this.layout.named;
    const [flags, counts] = await this.call('queue list', () =>
      Promise.all([this.redis.hgetall(k.queues), this.redis.hgetall(k.cnt)]),
    );
    const names = Object.keys(flags).sort();
    const queues = new Map<string, QueueInfo>();
    for (const name of names) {
      queues.set(name, {
        name,
        paused: flags[name] === '1',
        counts: emptyCounts(),
        oldestQueuedAt: null,
        stuck: 0,
      });
    }
    const seen = new Set<string>();
    for (const [field, value] of Object.entries(counts)) {
      const [queue, state, owner] = field.split('|') as [string, JobState, string | undefined];
      if (owner !== tenant) continue;
      const q = queues.get(queue);
      if (!q || !(state in q.counts)) continue;
      q.counts[state] = Number(value);
      if (Number(value) > 0) seen.add(queue);
    }
    if (names.length) {
      const health = (await this.run('queueHealth', names, [tenant ?? ''])) as [string | null, number][];
      names.forEach((name, i) => {
        const q = queues.get(name)!;
        const [oldest, stuck] = health[i]!;
        q.oldestQueuedAt = oldest === null ? null : Number(oldest);
        q.stuck = stuck;
      });
    }
    // A tenant sees only the queues holding its jobs.
    const list = [...queues.values()];
    return tenant === undefined ? list : list.filter((q) => seen.has(q.name));
  }
}

/** List cursors: the last listed job's sequence number, opaque to callers. */
function encodeCursor(seq: number): string {
  return Buffer.from(`r${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^r(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new ValidationError('cursor: not a cursor returned by this store');
  return Number(m[1]);
}
