/**
 * The Redis store's event log, API tokens and worker registry. Events are entries of a Redis stream:
 * the stream id ("<ms>-<n>", from the server's clock) is the event id, so ids increase, resume exactly
 * (XRANGE with an exclusive start) and carry their time. Tokens and workers are hashes of JSON.
 */
import { ValidationError } from '../../core/errors.js';
import type { EventType, NewEvent, Role, StoredEvent, TokenRecord, WorkerInfo } from '../../core/store.js';
import type { RedisClient } from './connection.js';
import type { KeyLayout } from './keys.js';
import { mapRedisError, type ScriptName } from './scripts.js';

type Run = (name: ScriptName, args: (string | number)[]) => Promise<unknown>;

type Tuple = [
  EventType,
  string | null,
  string | null,
  string | null,
  string | null,
  Record<string, unknown> | null,
];

interface TokenJson {
  secretHash: string;
  role: Role;
  tenant?: string;
  name?: string;
  createdAt: number;
}

const EVENT_ID = /^\d{1,15}-\d{1,15}$/;

export class Registry {
  constructor(
    private readonly redis: RedisClient,
    private readonly layout: KeyLayout,
    private readonly run: Run,
    private readonly notifyEvents: () => void,
  ) {}

  private async call<T>(during: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      throw mapRedisError(e, during, this.redis);
    }
  }

  async eventAppend(events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const tuples = events.map((e) => JSON.stringify([e.type, e.jobId, e.queue, e.task, e.tenant, e.data]));
    await this.run('eventAppend', [tuples.length, ...tuples]);
    this.notifyEvents();
  }

  async eventHead(): Promise<string | null> {
    const last = await this.call('event head', () =>
      this.redis.xrevrange(this.layout.named.events, '+', '-', 'COUNT', 1),
    );
    return last[0]?.[0] ?? null;
  }

  async eventRead(params: {
    after: string | null;
    limit: number;
  }): Promise<{ events: StoredEvent[]; cursor: string | null }> {
    if (params.after !== null && !EVENT_ID.test(params.after)) {
      throw new ValidationError(
        `event id ${JSON.stringify(params.after.slice(0, 40))}: not an event id of this store`,
      );
    }
    const start = params.after === null ? '-' : `(${params.after}`;
    const entries = await this.call('event read', () =>
      this.redis.xrange(this.layout.named.events, start, '+', 'COUNT', Math.max(1, params.limit)),
    );
    const events: StoredEvent[] = [];
    for (const [id, fields] of entries.slice(0, params.limit)) {
      const [type, jobId, queue, task, tenant, data] = JSON.parse(fields[1]!) as Tuple;
      events.push({ id, at: Number(id.slice(0, id.indexOf('-'))), type, jobId, queue, task, tenant, data });
    }
    return { events, cursor: events.length ? events[events.length - 1]!.id : params.after };
  }

  async eventPrune(olderThanMs: number): Promise<{ removed: number }> {
    return { removed: Number(await this.run('eventPrune', [Math.max(0, Math.floor(olderThanMs))])) };
  }

  async tokenCreate(params: {
    token: Omit<TokenRecord, 'createdAt'>;
    secretHash: string;
  }): Promise<TokenRecord> {
    const t = params.token;
    const createdAt = Number(
      await this.run('tokenCreate', [t.id, params.secretHash, t.role, t.tenant ?? '', t.name ?? '']),
    );
    return { ...t, createdAt };
  }

  async tokenGet(id: string): Promise<(TokenRecord & { secretHash: string }) | null> {
    const text = await this.call('token get', () => this.redis.hget(this.layout.named.tokens, id));
    if (!text) return null;
    const t = JSON.parse(text) as TokenJson;
    return { ...tokenRecord(id, t), secretHash: t.secretHash };
  }

  async tokenList(): Promise<TokenRecord[]> {
    const all = await this.call('token list', () => this.redis.hgetall(this.layout.named.tokens));
    return Object.keys(all)
      .sort()
      .map((id) => tokenRecord(id, JSON.parse(all[id]!) as TokenJson));
  }

  async tokenRevoke(id: string): Promise<{ revoked: boolean }> {
    const n = await this.call('token revoke', () => this.redis.hdel(this.layout.named.tokens, id));
    return { revoked: n > 0 };
  }

  async workerBeat(params: { worker: WorkerInfo; ttlMs: number }): Promise<void> {
    await this.run('workerBeat', [
      params.worker.id,
      JSON.stringify(params.worker),
      Math.max(1, params.ttlMs),
    ]);
  }

  async workerList(): Promise<(WorkerInfo & { lastSeenAt: number })[]> {
    const rows = (await this.run('workerList', [])) as string[];
    return rows
      .map((row) => {
        const bar = row.indexOf('|');
        return { ...(JSON.parse(row.slice(bar + 1)) as WorkerInfo), lastSeenAt: Number(row.slice(0, bar)) };
      })
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async workerRemove(id: string): Promise<void> {
    await this.run('workerRemove', [id]);
  }
}

function tokenRecord(id: string, t: TokenJson): TokenRecord {
  return { id, role: t.role, tenant: t.tenant ?? null, name: t.name ?? null, createdAt: t.createdAt };
}
