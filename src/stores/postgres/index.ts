/**
 * The PostgreSQL store's entry points, used by openStore and dropStore (loaded on demand, so `pg` loads
 * only when a postgres:// URL is used).
 */
import pg from 'pg';
import type { Store } from '../../core/store.js';
import type { OpenStoreOptions } from '../open.js';
import { mapError } from './errors.js';
import { PostgresStore } from './store.js';
import { parsePostgresUrl, redactUrl } from './url.js';

export { PostgresStore } from './store.js';
export { parsePostgresUrl, type PostgresStoreOptions } from './url.js';

/** Opens the store a postgres:// URL names; applies pending migrations unless `migrate: false`. */
export async function openPostgresStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const store = new PostgresStore(parsePostgresUrl(url));
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close().catch(() => {});
      throw e;
    }
  }
  return store;
}

/**
 * Drops the schema a postgres:// URL names, with everything in it. For tests and benchmarks that make
 * throwaway stores; never called by Fila itself.
 */
export async function dropPostgresNamespace(url: string): Promise<void> {
  const options = parsePostgresUrl(url);
  const client = new pg.Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    enableChannelBinding: options.channelBinding === true,
  });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(options.schema ?? 'fila')} CASCADE`);
  } catch (e) {
    throw mapError(e, `PostgreSQL ${redactUrl(url)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
