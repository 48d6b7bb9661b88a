/**
 * The store's query pool. Every call is one statement on whichever pooled connection is free (or a
 * short transaction on one connection), so nothing depends on session state and the store works behind
 * a pooler in transaction mode. Statements are prepared by name once per connection (when `prepare` is
 * on), skipping the server's parse and plan of the store's hot statements on every call.
 *
 * Failures: a call that cannot get a connection within `connectTimeoutMs`, or whose connection breaks,
 * fails with StoreUnavailableError (never hangs); a deadlock or serialization failure (nothing applied)
 * is retried a few times.
 */
import pg from 'pg';
import { mapError, isRetryable } from './errors.js';

/** Minimal shape of what runs a statement: a pool, a pooled client, or an application's client. */
export interface Queryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
}

const int8 = 20;
/** bigint as a JavaScript number: every bigint Fila stores (ms times, seqs) is below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === int8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
};

/** Names of prepared statements, one per distinct text (shared by every store in the process). */
const names = new Map<string, string>();

export interface DbOptions {
  connectionString: string;
  poolSize: number;
  prepare: boolean;
  connectTimeoutMs: number;
  /** How long a statement may go unanswered; its connection is then dropped. */
  queryTimeoutMs: number;
  /** Close a connection after this many uses (undefined: never). */
  maxUses?: number;
  /** SCRAM channel binding when the server offers it. */
  channelBinding?: boolean;
  /** For messages: the URL with its password hidden. */
  label: string;
}

export class Db {
  readonly pool: pg.Pool;
  private closed = false;

  constructor(private readonly options: DbOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      query_timeout: options.queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      types,
      ...(options.maxUses ? { maxUses: options.maxUses } : {}),
      ...(options.channelBinding ? { enableChannelBinding: true } : {}),
    });
    // An idle connection that breaks (server restart) is dropped by the pool; the next call opens a
    // new one. Without a listener the error would crash the process.
    this.pool.on('error', () => {});
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Statement config for `text`: named (prepared once per connection) when `prepare` is on. */
  config(text: string, values: unknown[]): { text: string; values: unknown[]; name?: string } {
    if (!this.options.prepare) return { text, values };
    let name = names.get(text);
    if (!name) names.set(text, (name = `fila_${names.size + 1}`));
    return { name, text, values };
  }

  /** Runs one statement on the pool; returns its rows. */
  async query<T>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.execute(text, values)).rows as T[];
  }

  /** Runs one statement on the pool; returns how many rows it changed. */
  async run(text: string, values: unknown[] = []): Promise<number> {
    return (await this.execute(text, values)).rowCount ?? 0;
  }

  private async execute(text: string, values: unknown[]): Promise<pg.QueryResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.query(this.config(text, values));
      } catch (e) {
        if (isRetryable(e) && attempt < 5) continue;
        throw mapError(e, this.options.label);
      }
    }
  }

  /** Runs `body` in a transaction on one connection; rolls back if it throws. */
  async transaction<T>(body: (client: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw mapError(e, this.options.label);
      }
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const out = await body({
          query: (c) => client.query(this.options.prepare ? c : { text: c.text, values: c.values ?? [] }),
        });
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch((r: unknown) => (broken = r));
        if (isRetryable(e) && attempt < 5) continue;
        throw mapError(e, this.options.label);
      } finally {
        client.release(broken as Error | undefined);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
