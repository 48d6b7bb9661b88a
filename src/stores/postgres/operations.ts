/**
 * The PostgreSQL store's reads (jobs, lists, logs, queues) and operator actions (cancel, retry,
 * remove, clean, pause, resume). The store delegates to this class.
 */
import { isJobId } from '../../core/ids.js';
import type { Job, JobFilter, JobState } from '../../core/job.js';
import {
  emptyCounts,
  type JobLogEntry,
  type JobTarget,
  type QueueForgetResult,
  type QueueInfo,
} from '../../core/store.js';
import type { Db } from './db.js';
import { decodeCursor, encodeCursor, filterCondition, seqParts, targetCondition } from './filter.js';
import { num, rowToJob, type JobRow } from './rows.js';
import type { statementsFor } from './store.js';

type Statements = ReturnType<typeof statementsFor>;

const fill = (template: string, slots: Record<string, string>) => {
  let text = template;
  for (const [slot, value] of Object.entries(slots)) text = text.split(`{${slot}}`).join(value);
  return text;
};

/** A unique constraint refused the statement (the driver's error is the cause of the store's). */
function isUniqueViolation(e: unknown): boolean {
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause;
  return cause?.code === '23505';
}

export class Operations {
  constructor(
    private readonly db: Db,
    private readonly sql: Statements,
    private readonly channel: string,
    private readonly wake: () => void,
  ) {}

  async jobGet(params: { ids: string[] }): Promise<Job[]> {
    const ids = params.ids.filter((id) => isJobId(id));
    if (ids.length === 0) return [];
    const rows = await this.db.query<JobRow>(this.sql.get, [ids]);
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
    const values = [...cond.values];
    if (params.cursor) {
      values.push(decodeCursor(params.cursor));
      where += asc ? ` AND seq > $${values.length}` : ` AND seq < $${values.length}`;
    }
    values.push(params.limit + 1);
    const parts = seqParts(params.filter);
    const text = fill(parts.active && parts.rest ? this.sql.listMerged : this.sql.list, {
      where,
      part: parts.active ? "state = 'active'" : "state <> 'active'",
      order: asc ? 'ASC' : 'DESC',
      limit: String(values.length),
    });
    const rows = await this.db.query<JobRow>(text, values);
    const more = rows.length > params.limit;
    const page = more ? rows.slice(0, params.limit) : rows;
    return {
      jobs: page.map(rowToJob),
      cursor: more ? encodeCursor(num(page.at(-1)!.seq)) : null,
    };
  }

  async queueList(params: { tenant?: string } = {}): Promise<QueueInfo[]> {
    const tenant = params.tenant;
    const [counts, names] = await Promise.all([
      this.db.query<{ queue: string; state: JobState; n: number; oldest: number | null; stuck: number }>(
        this.sql.queueCounts,
        [tenant ?? null],
      ),
      this.db.query<{ name: string; paused: boolean }>(this.sql.queueNames),
    ]);
    const queues = new Map<string, QueueInfo>();
    const get = (name: string) => {
      let q = queues.get(name);
      if (!q) {
        q = { name, paused: false, counts: emptyCounts(), oldestQueuedAt: null, stuck: 0 };
        queues.set(name, q);
      }
      return q;
    };
    for (const c of counts) {
      const q = get(c.queue);
      q.counts[c.state] += c.n;
      if (c.oldest !== null) q.oldestQueuedAt = num(c.oldest);
      q.stuck += c.stuck;
    }
    for (const n of names) {
      // A tenant sees its own queues only; a paused flag alone does not reveal a queue to it.
      if (tenant !== undefined && !queues.has(n.name)) continue;
      get(n.name).paused = n.paused;
    }
    return [...queues.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async jobLogs(params: { id: string; after?: number; limit: number }): Promise<JobLogEntry[]> {
    if (!isJobId(params.id)) return [];
    const rows = await this.db.query<{ seq: number; at: number; attempt: number; message: string }>(
      this.sql.logs,
      [params.id, params.after ?? 0, params.limit],
    );
    return rows.map((r) => ({
      seq: num(r.seq),
      at: new Date(num(r.at)),
      attempt: r.attempt,
      message: r.message,
    }));
  }

  async jobCancel(params: JobTarget): Promise<{ cancelled: string[]; requested: string[] }> {
    const cond = targetCondition(params);
    const rows = await this.db.query<{ id: string; state: string }>(
      fill(this.sql.cancel, { where: cond.where }),
      cond.values,
    );
    return {
      cancelled: rows.filter((r) => r.state === 'cancelled').map((r) => r.id),
      requested: rows.filter((r) => r.state === 'active').map((r) => r.id),
    };
  }

  async jobRetry(params: JobTarget): Promise<{ retried: string[] }> {
    const cond = targetCondition(params);
    const text = fill(this.sql.retry, {
      where: cond.where,
      channel: String(cond.values.length + 1),
    });
    let ids: string[];
    try {
      ids = (await this.db.query<{ id: string }>(text, [...cond.values, this.channel])).map((r) => r.id);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Two of the targeted jobs hold the same dedup key (each failed while the other was not running):
      // retry them one by one, so the first takes the key and the others stay where they are.
      ids = await this.retryOneByOne(cond.where, cond.values);
    }
    if (ids.length) this.wake();
    return { retried: ids };
  }

  private async retryOneByOne(where: string, values: unknown[]): Promise<string[]> {
    const targets = await this.db.query<{ id: string }>(fill(this.sql.retryTargets, { where }), values);
    const one = fill(this.sql.retry, { where: 'id = $1::uuid', channel: '2' });
    const retried: string[] = [];
    for (const { id } of targets) {
      try {
        retried.push(...(await this.db.query<{ id: string }>(one, [id, this.channel])).map((r) => r.id));
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
    return retried;
  }

  async jobRemove(params: { ids: string[] }): Promise<{ removed: string[] }> {
    const ids = params.ids.filter((id) => isJobId(id));
    if (ids.length === 0) return { removed: [] };
    const rows = await this.db.query<{ id: string }>(this.sql.remove, [ids]);
    return { removed: rows.map((r) => r.id) };
  }

  async jobClean(params: {
    state: 'completed' | 'failed' | 'cancelled';
    olderThanMs: number;
    queues?: string[];
    limit: number;
  }): Promise<{ removed: number }> {
    const queues = params.queues ? 'AND queue = ANY($4::text[])' : '';
    const completed = params.state === 'completed';
    const text = fill(completed ? this.sql.cleanCompleted : this.sql.clean, { queues });
    const values: unknown[] = [
      completed ? null : params.state,
      Math.round(params.olderThanMs),
      Math.floor(params.limit),
    ];
    if (params.queues) values.push(params.queues);
    const rows = await this.db.query<{ id: string }>(text, values);
    return { removed: rows.length };
  }

  async queuePause(params: { queue: string }): Promise<void> {
    await this.db.query(this.sql.queuePause, [params.queue, true, this.channel]);
  }

  async queueResume(params: { queue: string }): Promise<void> {
    await this.db.query(this.sql.queuePause, [params.queue, false, this.channel]);
    this.wake();
  }

  async queueForget(params: { queue: string }): Promise<QueueForgetResult> {
    const [row] = await this.db.query<QueueForgetResult>(this.sql.queueForget, [params.queue]);
    return { forgotten: row!.forgotten, jobs: row!.jobs, paused: row!.paused };
  }
}
