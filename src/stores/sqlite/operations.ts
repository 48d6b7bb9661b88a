/**
 * The SQLite store's reads (jobs, lists, logs, queues), operator actions (cancel, retry, remove, clean,
 * pause, resume) and sweeps (rescue of expired leases, promotion of overdue jobs). The store delegates to this class; it reaches the database through the
 * store's own retrying accessors.
 */
import type Database from 'better-sqlite3';
import type { Job, JobFilter, JobState } from '../../core/job.js';
import {
  emptyCounts,
  type JobLogEntry,
  type JobTarget,
  type QueueForgetResult,
  type QueueInfo,
} from '../../core/store.js';
import { decodeCursor, encodeCursor, filterCondition, targetCondition } from './filter.js';
import { checkClaimId, idFloor } from '../shared.js';
import { rowToJob, type JobRow } from './rows.js';
import { statements as sql } from './sql.gen.js';
import { fill } from './statements.js';

/** What the operations need from the store. */
export interface OperationsAccess {
  prepare(text: string): Database.Statement;
  read<T>(body: () => T): Promise<T>;
  write<T>(body: () => T): Promise<T>;
  /** Wakes this process's workers (jobs became ready). */
  wake(): void;
}

export class Operations {
  constructor(private readonly db: OperationsAccess) {}

  async jobGet(params: { ids: string[] }): Promise<Job[]> {
    if (params.ids.length === 0) return [];
    const rows = await this.db.read(
      () => this.db.prepare(sql.get).all({ ids: JSON.stringify(params.ids) }) as JobRow[],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const jobs: Job[] = [];
    for (const id of params.ids) {
      const row = byId.get(id);
      if (row) jobs.push(rowToJob(row));
    }
    return jobs;
  }

  async jobList(params: {
    filter: JobFilter;
    limit: number;
    cursor?: string | null;
    order?: 'asc' | 'desc';
  }): Promise<{ jobs: Job[]; cursor: string | null }> {
    const asc = params.order === 'asc';
    const cond = filterCondition(params.filter);
    let where = cond.where;
    const values: Record<string, unknown> = { ...cond.params, limit: params.limit + 1 };
    if (params.cursor) {
      where += asc ? ' AND seq > :after' : ' AND seq < :after';
      values.after = decodeCursor(params.cursor);
    }
    const text = fill(sql.list, { where, order: asc ? 'ASC' : 'DESC' });
    const rows = await this.db.read(() => this.db.prepare(text).all(values) as JobRow[]);
    const more = rows.length > params.limit;
    const page = more ? rows.slice(0, params.limit) : rows;
    return { jobs: page.map(rowToJob), cursor: more ? encodeCursor(page.at(-1)!.seq) : null };
  }

  async queueList(params: { tenant?: string } = {}): Promise<QueueInfo[]> {
    const tenant = params.tenant;
    const { counts, names, health } = await this.db.read(() => {
      const now = Date.now();
      return {
        counts: (tenant === undefined
          ? this.db.prepare(sql.queueCounts).all()
          : this.db.prepare(sql.queueCountsTenant).all({ tenant })) as {
          queue: string;
          state: JobState;
          n: number;
        }[],
        names: this.db.prepare(sql.queueNames).all() as { name: string; paused: number }[],
        health: (tenant === undefined
          ? this.db.prepare(sql.queueHealth).all({ now })
          : this.db.prepare(sql.queueHealthTenant).all({ now, tenant })) as {
          queue: string;
          oldest: number | null;
          stuck: number;
        }[],
      };
    });
    const queues = new Map<string, QueueInfo>();
    const get = (name: string) => {
      let q = queues.get(name);
      if (!q)
        queues.set(
          name,
          (q = { name, paused: false, counts: emptyCounts(), oldestQueuedAt: null, stuck: 0 }),
        );
      return q;
    };
    for (const c of counts) get(c.queue).counts[c.state] += c.n;
    for (const h of health) {
      const q = get(h.queue);
      if (h.oldest !== null) q.oldestQueuedAt = h.oldest;
      q.stuck += h.stuck;
    }
    for (const n of names) {
      // A tenant sees its own queues only; a paused flag alone does not reveal a queue to it.
      if (tenant !== undefined && !queues.has(n.name)) continue;
      get(n.name).paused = n.paused === 1;
    }
    return [...queues.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async jobLogs(params: { id: string; after?: number; limit: number }): Promise<JobLogEntry[]> {
    const rows = await this.db.read(
      () =>
        this.db.prepare(sql.logs).all({ id: params.id, after: params.after ?? 0, limit: params.limit }) as {
          seq: number;
          at: number;
          attempt: number;
          message: string;
        }[],
    );
    return rows.map((r) => ({ seq: r.seq, at: new Date(r.at), attempt: r.attempt, message: r.message }));
  }

  async jobCancel(params: JobTarget): Promise<{ cancelled: string[]; requested: string[] }> {
    const cond = targetCondition(params);
    return this.db.write(() => {
      const values = { ...cond.params, now: Date.now() };
      const cancelled = this.db
        .prepare(fill(sql.cancelPending, { where: cond.where }))
        .pluck()
        .all(values) as string[];
      const requested = this.db
        .prepare(fill(sql.cancelActive, { where: cond.where }))
        .pluck()
        .all(values) as string[];
      return { cancelled, requested };
    });
  }

  async jobRetry(params: JobTarget): Promise<{ retried: string[] }> {
    const cond = targetCondition(params);
    const retried = await this.db.write(
      () =>
        this.db
          .prepare(fill(sql.retry, { where: cond.where }))
          .pluck()
          .all({ ...cond.params, now: Date.now() }) as string[],
    );
    if (retried.length) this.db.wake();
    return { retried };
  }

  async jobRemove(params: { ids: string[] }): Promise<{ removed: string[] }> {
    if (params.ids.length === 0) return { removed: [] };
    return this.db.write(() => {
      const removed = this.db
        .prepare(sql.remove)
        .pluck()
        .all({ ids: JSON.stringify(params.ids) }) as string[];
      if (removed.length) this.db.prepare(sql.removeLogs).run({ ids: JSON.stringify(removed) });
      return { removed };
    });
  }

  async jobClean(params: {
    state: 'completed' | 'failed' | 'cancelled';
    olderThanMs: number;
    queues?: string[];
    limit: number;
  }): Promise<{ removed: number }> {
    const queuesTerm = params.queues ? 'AND queue IN (SELECT value FROM json_each(:queues))' : '';
    const template = params.state === 'completed' ? sql.cleanCompleted : sql.clean;
    const text = fill(template, { queues: queuesTerm });
    return this.db.write(() => {
      const cutoff = Date.now() - params.olderThanMs;
      const values: Record<string, unknown> = { cutoff, limit: params.limit };
      if (params.state === 'completed') values.cutoff_id = idFloor(cutoff);
      else values.state = params.state;
      if (params.queues) values.queues = JSON.stringify(params.queues);
      const removed = this.db.prepare(text).pluck().all(values) as string[];
      if (removed.length) this.db.prepare(sql.removeLogs).run({ ids: JSON.stringify(removed) });
      return { removed: removed.length };
    });
  }

  async queuePause(params: { queue: string }): Promise<void> {
    await this.db.write(() =>
      this.db.prepare(sql.queuePause).run({ queue: params.queue, paused: 1, now: Date.now() }),
    );
  }

  async queueResume(params: { queue: string }): Promise<void> {
    await this.db.write(() =>
      this.db.prepare(sql.queuePause).run({ queue: params.queue, paused: 0, now: Date.now() }),
    );
    this.db.wake();
  }

  async queueForget(params: { queue: string }): Promise<QueueForgetResult> {
    const queue = params.queue;
    // The count reads the whole table: under a read, which blocks no writer. The write transaction then
    // checks only what can have changed since, through indexes.
    const seen = await this.db.read(
      () => this.db.prepare(sql.queueJobs).get({ queue }) as { n: number; last: number | null },
    );
    if (seen.n > 0) return { forgotten: false, jobs: seen.n, paused: false };
    return this.db.write(() => {
      const row = this.db.prepare(sql.queuePaused).get({ queue }) as { paused: number } | undefined;
      if (row?.paused) return { forgotten: false, jobs: 0, paused: true };
      const { held } = this.db.prepare(sql.queueJobsSince).get({ queue, after: seen.last ?? 0 }) as {
        held: number;
      };
      if (held) return { forgotten: false, jobs: 1, paused: false };
      this.db.prepare(sql.queueForget).run({ queue });
      return { forgotten: true, jobs: 0, paused: false };
    });
  }

  /** See Store.jobReleaseClaim. */
  async jobReleaseClaim(params: { claimId: string }): Promise<{ released: string[]; cancelled: string[] }> {
    const token = checkClaimId(params.claimId);
    const rows = await this.db.write(
      () =>
        this.db.prepare(sql.releaseClaim).all({ token, now: Date.now() }) as {
          id: string;
          state: JobState;
        }[],
    );
    const released = rows.filter((r) => r.state === 'queued').map((r) => r.id);
    if (released.length) this.db.wake();
    return { released, cancelled: rows.filter((r) => r.state !== 'queued').map((r) => r.id) };
  }

  /** See Store.jobRescue. */
  async jobRescue(params: { maxCrashes: number; limit: number }): Promise<{
    requeued: string[];
    failed: string[];
    cancelled: string[];
  }> {
    const rows = await this.db.write(
      () =>
        this.db.prepare(sql.rescue).all({
          now: Date.now(),
          max_crashes: params.maxCrashes,
          limit: params.limit,
        }) as { id: string; state: JobState }[],
    );
    const out = { requeued: [] as string[], failed: [] as string[], cancelled: [] as string[] };
    for (const r of rows) {
      if (r.state === 'queued') out.requeued.push(r.id);
      else if (r.state === 'failed') out.failed.push(r.id);
      else out.cancelled.push(r.id);
    }
    if (out.requeued.length) this.db.wake();
    return out;
  }

  /** See Store.jobPromoteDue. */
  async jobPromoteDue(params: { exceptQueues: string[]; limit: number }): Promise<{ promoted: number }> {
    const result = await this.db.write(() =>
      this.db.prepare(sql.promoteDue).run({
        now: Date.now(),
        except: JSON.stringify(params.exceptQueues),
        limit: params.limit,
      }),
    );
    return { promoted: result.changes };
  }
}
