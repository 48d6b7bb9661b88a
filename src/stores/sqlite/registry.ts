/**
 * The SQLite store's event log, API tokens and worker registry (see migration 0002). The store
 * delegates to this class; it reaches the database through the store's own retrying accessors.
 */
import type Database from 'better-sqlite3';
import type { NewEvent, StoredEvent, TokenRecord, WorkerInfo } from '../../core/store.js';
import { decodeBatch, encodeEvents, parseEventId } from './events.js';
import { statements as sql } from './sql.gen.js';

/** What the registry needs from the store. */
export interface Access {
  prepare(text: string): Database.Statement;
  read<T>(body: () => T): Promise<T>;
  write<T>(body: () => T): Promise<T>;
  retryWhileBusy<T>(body: () => T): Promise<T>;
  /** Wakes this process's event listeners. */
  notifyEvents(): void;
}

interface TokenRow {
  id: string;
  secret_hash: string;
  role: TokenRecord['role'];
  tenant: string | null;
  name: string | null;
  created_at: number;
}

function tokenRecord(row: TokenRow): TokenRecord {
  return { id: row.id, role: row.role, tenant: row.tenant, name: row.name, createdAt: row.created_at };
}

export class Registry {
  constructor(private readonly db: Access) {}

  async eventAppend(params: { events: NewEvent[] }): Promise<void> {
    if (params.events.length === 0) return;
    const events = encodeEvents(params.events);
    await this.db.retryWhileBusy(() => this.db.prepare(sql.eventAppend).run({ now: Date.now(), events }));
    this.db.notifyEvents();
  }

  async eventHead(): Promise<string | null> {
    const row = await this.db.read(
      () => this.db.prepare(sql.eventHead).get() as { seq: number; n: number } | undefined,
    );
    return row ? `${row.seq}-${Math.max(0, row.n - 1)}` : null;
  }

  async eventRead(params: {
    after: string | null;
    limit: number;
  }): Promise<{ events: StoredEvent[]; cursor: string | null }> {
    const start = params.after === null ? { seq: 0, index: -1 } : parseEventId(params.after);
    const events: StoredEvent[] = [];
    let seq = start.seq;
    let first = true;
    while (events.length < params.limit) {
      const rows = await this.db.read(
        () =>
          this.db.prepare(sql.eventRead).all({ seq, rows: 100 }) as {
            seq: number;
            at: number;
            events: string;
          }[],
      );
      for (const row of rows) {
        const from = first && row.seq === start.seq ? start.index + 1 : 0;
        decodeBatch(row.seq, row.at, row.events, from, events, params.limit);
        if (events.length >= params.limit) break;
      }
      first = false;
      if (rows.length < 100) break;
      seq = rows[rows.length - 1]!.seq + 1;
    }
    return { events, cursor: events.length ? events[events.length - 1]!.id : params.after };
  }

  async eventPrune(params: { olderThanMs: number }): Promise<{ removed: number }> {
    const info = await this.db.write(() =>
      this.db.prepare(sql.eventPrune).run({ cutoff: Date.now() - params.olderThanMs }),
    );
    return { removed: info.changes };
  }

  async tokenCreate(params: {
    token: Omit<TokenRecord, 'createdAt'>;
    secretHash: string;
  }): Promise<TokenRecord> {
    const now = Date.now();
    const t = params.token;
    await this.db.write(() =>
      this.db.prepare(sql.tokenCreate).run({
        id: t.id,
        secret_hash: params.secretHash,
        role: t.role,
        tenant: t.tenant,
        name: t.name,
        now,
      }),
    );
    return { ...t, createdAt: now };
  }

  async tokenGet(params: { id: string }): Promise<(TokenRecord & { secretHash: string }) | null> {
    const row = await this.db.read(
      () => this.db.prepare(sql.tokenGet).get({ id: params.id }) as TokenRow | undefined,
    );
    return row ? { ...tokenRecord(row), secretHash: row.secret_hash } : null;
  }

  async tokenList(): Promise<TokenRecord[]> {
    const rows = await this.db.read(() => this.db.prepare(sql.tokenList).all() as TokenRow[]);
    return rows.map(tokenRecord);
  }

  async tokenRevoke(params: { id: string }): Promise<{ revoked: boolean }> {
    const info = await this.db.write(() => this.db.prepare(sql.tokenRevoke).run({ id: params.id }));
    return { revoked: info.changes > 0 };
  }

  async workerBeat(params: { worker: WorkerInfo; ttlMs: number }): Promise<void> {
    await this.db.write(() => {
      const now = Date.now();
      this.db.prepare(sql.workerExpire).run({ now });
      this.db.prepare(sql.workerBeat).run({
        id: params.worker.id,
        info: JSON.stringify(params.worker),
        now,
        expires_at: now + params.ttlMs,
      });
    });
  }

  async workerList(): Promise<(WorkerInfo & { lastSeenAt: number })[]> {
    const rows = await this.db.read(
      () =>
        this.db.prepare(sql.workerList).all({ now: Date.now() }) as { info: string; last_seen_at: number }[],
    );
    return rows.map((r) => ({ ...(JSON.parse(r.info) as WorkerInfo), lastSeenAt: r.last_seen_at }));
  }

  async workerRemove(params: { id: string }): Promise<void> {
    await this.db.write(() => this.db.prepare(sql.workerRemove).run({ id: params.id }));
  }
}
