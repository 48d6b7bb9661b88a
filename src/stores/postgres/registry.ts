/**
 * The PostgreSQL store's event log, API tokens and worker registry. The event log keeps one row per
 * appended batch (a JSON array of compact tuples [type, jobId, queue, task, tenant, data]); an event's
 * id is "<row seq>-<index>", and ids compare as (seq, index) pairs.
 */
import { ValidationError } from '../../core/errors.js';
import type { EventType, NewEvent, StoredEvent, TokenRecord, WorkerInfo } from '../../core/store.js';
import type { Db } from './db.js';
import { num } from './rows.js';
import type { statementsFor } from './store.js';

type Statements = ReturnType<typeof statementsFor>;

type Tuple = [
  EventType,
  string | null,
  string | null,
  string | null,
  string | null,
  Record<string, unknown> | null,
];

interface TokenRow {
  id: string;
  secret_hash: string;
  role: TokenRecord['role'];
  tenant: string | null;
  name: string | null;
  created_at: number;
}

function tokenRecord(row: TokenRow): TokenRecord {
  return { id: row.id, role: row.role, tenant: row.tenant, name: row.name, createdAt: num(row.created_at) };
}

/** The (seq, index) of an event id; a malformed id is the caller's error. */
export function parseEventId(id: string): { seq: number; index: number } {
  const m = /^(\d{1,15})-(\d{1,9})$/.exec(id);
  if (!m)
    throw new ValidationError(`event id ${JSON.stringify(id.slice(0, 40))}: not an event id of this store`);
  return { seq: Number(m[1]), index: Number(m[2]) };
}

/** A 31-bit key for this schema's event-append advisory lock. */
function lockKey(schema: string): number {
  let h = 0x6669_6c61; // "fila"
  for (const ch of `events:${schema}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h & 0x7fff_ffff;
}

const READ_ROWS = 100;

export class Registry {
  private readonly lock: number;

  constructor(
    private readonly db: Db,
    private readonly sql: Statements,
    private readonly channel: string,
    schema: string,
    private readonly notifyEvents: () => void,
  ) {
    this.lock = lockKey(schema);
  }

  async eventAppend(params: { events: NewEvent[] }): Promise<void> {
    if (params.events.length === 0) return;
    const tuples: Tuple[] = params.events.map((e) => [e.type, e.jobId, e.queue, e.task, e.tenant, e.data]);
    await this.db.query(this.sql.eventAppend, [JSON.stringify(tuples), this.lock, this.channel]);
    this.notifyEvents();
  }

  async eventHead(): Promise<string | null> {
    const [row] = await this.db.query<{ seq: number; n: number }>(this.sql.eventHead);
    return row ? `${num(row.seq)}-${Math.max(0, row.n - 1)}` : null;
  }

  async eventRead(params: {
    after: string | null;
    limit: number;
  }): Promise<{ events: StoredEvent[]; cursor: string | null }> {
    const start = params.after === null ? { seq: 0, index: -1 } : parseEventId(params.after);
    const events: StoredEvent[] = [];
    let seq = start.seq;
    while (events.length < params.limit) {
      const rows = await this.db.query<{ seq: number; at: number; events: Tuple[] }>(this.sql.eventRead, [
        seq,
        READ_ROWS,
      ]);
      for (const row of rows) {
        const rowSeq = num(row.seq);
        const from = rowSeq === start.seq ? start.index + 1 : 0;
        const at = num(row.at);
        for (let i = from; i < row.events.length && events.length < params.limit; i++) {
          const [type, jobId, queue, task, tenant, data] = row.events[i]!;
          events.push({ id: `${rowSeq}-${i}`, at, type, jobId, queue, task, tenant, data });
        }
        if (events.length >= params.limit) break;
      }
      if (rows.length < READ_ROWS) break;
      seq = num(rows[rows.length - 1]!.seq) + 1;
    }
    return { events, cursor: events.length ? events[events.length - 1]!.id : params.after };
  }

  async eventPrune(params: { olderThanMs: number }): Promise<{ removed: number }> {
    return { removed: await this.db.run(this.sql.eventPrune, [Math.round(params.olderThanMs)]) };
  }

  async tokenCreate(params: {
    token: Omit<TokenRecord, 'createdAt'>;
    secretHash: string;
  }): Promise<TokenRecord> {
    const t = params.token;
    const [row] = await this.db.query<{ created_at: number }>(this.sql.tokenCreate, [
      t.id,
      params.secretHash,
      t.role,
      t.tenant,
      t.name,
    ]);
    return { ...t, createdAt: num(row!.created_at) };
  }

  async tokenGet(params: { id: string }): Promise<(TokenRecord & { secretHash: string }) | null> {
    const [row] = await this.db.query<TokenRow>(this.sql.tokenGet, [params.id]);
    return row ? { ...tokenRecord(row), secretHash: row.secret_hash } : null;
  }

  async tokenList(): Promise<TokenRecord[]> {
    return (await this.db.query<TokenRow>(this.sql.tokenList)).map(tokenRecord);
  }

  async tokenRevoke(params: { id: string }): Promise<{ revoked: boolean }> {
    return { revoked: (await this.db.run(this.sql.tokenRevoke, [params.id])) > 0 };
  }

  async workerBeat(params: { worker: WorkerInfo; ttlMs: number }): Promise<void> {
    await this.db.query(this.sql.workerBeat, [
      params.worker.id,
      JSON.stringify(params.worker),
      Math.round(params.ttlMs),
    ]);
  }

  async workerList(): Promise<(WorkerInfo & { lastSeenAt: number })[]> {
    const rows = await this.db.query<{ info: WorkerInfo; last_seen_at: number }>(this.sql.workerList);
    return rows.map((r) => ({ ...r.info, lastSeenAt: num(r.last_seen_at) }));
  }

  async workerRemove(params: { id: string }): Promise<void> {
    await this.db.query(this.sql.workerRemove, [params.id]);
  }
}
