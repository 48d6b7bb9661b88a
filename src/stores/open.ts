/**
 * Opens a store from a URL:
 *   sqlite://.fila/fila.db         relative path
 *   sqlite:///var/lib/app/fila.db  absolute path
 *   sqlite://jobs.db?synchronous=full
 *   postgres://user@host:5432/db?schema=fila   (also postgresql://; see stores/postgres/url.ts)
 *   redis://host:6379/0?prefix=fila
 * The SQLite store opens synchronously (it is the default and supports transactional enqueue from
 * the first call); other stores are loaded on demand, so their drivers load only when used.
 */
import { ValidationError } from '../core/errors.js';
import type { Migration, Store } from '../core/store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

export interface OpenStoreOptions {
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
}

export const DEFAULT_STORE_URL = 'sqlite://.fila/fila.db';

export function parseSqliteUrl(url: string): SqliteStoreOptions {
  const rest = url.slice('sqlite://'.length);
  const q = rest.indexOf('?');
  let path: string;
  try {
    path = decodeURIComponent(q >= 0 ? rest.slice(0, q) : rest);
  } catch (e) {
    throw new ValidationError(
      `store URL ${JSON.stringify(url)}: the path has a malformed %-escape (write % as %25)`,
      { cause: e },
    );
  }
  if (!path)
    throw new ValidationError(
      `store URL ${JSON.stringify(url)}: missing the database file path (sqlite://path/to/file.db)`,
    );
  const options: SqliteStoreOptions = { path };
  if (q >= 0) {
    const params = new URLSearchParams(rest.slice(q + 1));
    const seen = new Set<string>();
    for (const [key, value] of params) {
      if (seen.has(key)) throw new ValidationError(`store URL: parameter ${key} given twice`);
      seen.add(key);
      if (key === 'synchronous' && (value === 'normal' || value === 'full')) options.synchronous = value;
      else if (key === 'lockTimeoutMs' && /^\d+$/.test(value)) options.lockTimeoutMs = Number(value);
      else
        throw new ValidationError(
          `store URL: unknown or invalid parameter ${key}=${value} (accepted: synchronous=normal|full, lockTimeoutMs=N)`,
        );
    }
  }
  return options;
}

/** Opens a store written outside this package from its URL (see registerStoreScheme). */
export type StoreOpener = (url: string, options: OpenStoreOptions) => Store | Promise<Store>;

const BUILT_IN = ['sqlite', 'postgres', 'postgresql', 'redis', 'rediss'];
/**
 * Registered schemes, kept on globalThis: a store's module may import another copy of this package than
 * the one that opens the URL (the `fila` command installed globally, the application's own copy).
 */
const registered: Map<string, StoreOpener> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('fila.storeSchemes')
] ??= new Map<string, StoreOpener>()) as Map<string, StoreOpener>;

/**
 * Makes `<scheme>://…` URLs open a store written outside this package wherever this process takes a
 * store URL (createFila, openStore, the testkit's child processes through StoreFixture.register, the
 * `fila` command with `--import` naming the module that calls this).
 */
export function registerStoreScheme(scheme: string, open: StoreOpener): void {
  if (typeof scheme !== 'string' || !/^[a-z][a-z0-9+.-]{0,31}$/.test(scheme))
    throw new ValidationError(
      `registerStoreScheme: invalid scheme ${JSON.stringify(scheme)} (lowercase letters, digits, + . -)`,
    );
  if (BUILT_IN.includes(scheme))
    throw new ValidationError(`registerStoreScheme: "${scheme}" is one of Fila's own stores`);
  if (typeof open !== 'function')
    throw new ValidationError('registerStoreScheme: expected an opener function');
  registered.set(scheme, open);
}

/** Opens the store a URL names. Returns the store itself for SQLite, a promise for others. */
export function openStore(url: string, options: OpenStoreOptions = {}): Store | Promise<Store> {
  if (typeof url !== 'string') throw new ValidationError('store: expected a store URL or a Store object');
  if (url.startsWith('sqlite://'))
    return new SqliteStore({ ...parseSqliteUrl(url), migrate: options.migrate ?? true });
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return import('./postgres/index.js').then((m) => m.openPostgresStore(url, options));
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    return import('./redis/index.js').then((m) => m.openRedisStore(url, options));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  const opener = scheme === undefined ? undefined : registered.get(scheme.toLowerCase());
  if (opener) return opener(url, options);
  const lower = scheme?.toLowerCase();
  if (lower !== undefined && BUILT_IN.includes(lower) && url.slice(lower.length, lower.length + 3) === '://')
    throw new ValidationError(`store URL: write the scheme in lower case (${lower}://…)`);
  if (lower !== undefined && BUILT_IN.includes(lower)) {
    const example = lower.startsWith('sqlite')
      ? 'sqlite://.fila/fila.db'
      : lower.startsWith('redis')
        ? 'redis://host:6379/0'
        : 'postgres://user@host:5432/db';
    // Not echoed: without its // the URL's password is not where redact() looks for it.
    throw new ValidationError(`store URL: a ${lower} URL starts with ${lower}:// (e.g. ${example})`);
  }
  throw new ValidationError(
    `store URL: unsupported scheme ${scheme ? `"${scheme.slice(0, 32)}"` : '(none)'} (the URL is not shown: it may hold a password); use sqlite://path/to/file.db, postgres://user@host:5432/db or redis://host:6379/0${registered.size ? `, or ${[...registered.keys()].map((k) => `${k}://`).join(', ')}` : ''} (a store written outside Fila is registered first: registerStoreScheme, or fila --import MODULE on the command line)`,
  );
}

/**
 * What `fila migrate --print` prints for a store URL, without opening the store (no file created, no
 * server needed): on PostgreSQL the script of `migrationScript`, elsewhere each migration after version
 * `after`. A store registered from outside is opened (with `migrate: false`) to ask it.
 */
export async function printMigrations(url: string, after: number): Promise<string> {
  const list = (migrations: readonly Migration[]) =>
    migrations
      .filter((m) => m.version > after)
      .map((m) => `-- migration ${m.version}: ${m.name}\n${m.sql}\n`)
      .join('\n');
  if (url.startsWith('sqlite://')) {
    parseSqliteUrl(url); // validates
    return list((await import('./sqlite/migrate.js')).MIGRATIONS);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { parsePostgresUrl } = await import('./postgres/url.js');
    const { migrationScript } = await import('./postgres/migrate.js');
    return `${migrationScript(parsePostgresUrl(url).schema ?? 'fila', after)}\n`;
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const { parseRedisUrl } = await import('./redis/keys.js');
    parseRedisUrl(url); // validates
    return list((await import('./redis/store.js')).MIGRATIONS);
  }
  const store = await openStore(url, { migrate: false });
  try {
    return store.migrationScript ? `${store.migrationScript(after)}\n` : list(store.migrations());
  } finally {
    await store.close();
  }
}

/** A store URL with its password hidden, for messages. */
export { redactUrl as redact } from './postgres/url.js';

/**
 * Deletes everything a store URL's namespace holds (a SQLite file, a PostgreSQL schema, a Redis key
 * prefix). For tests and benchmarks that make throwaway stores; never called by Fila itself.
 */
export async function dropStore(url: string): Promise<void> {
  if (url.startsWith('sqlite://')) {
    const { rmSync } = await import('node:fs');
    const { path } = parseSqliteUrl(url);
    if (path === ':memory:') return; // nothing on disk (and never a file named ':memory:')
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    return;
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return (await import('./postgres/index.js')).dropPostgresNamespace(url);
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    return (await import('./redis/index.js')).dropRedisNamespace(url);
  }
  throw new ValidationError(
    `store URL: unsupported scheme (dropStore knows sqlite://, postgres:// and redis://)`,
  );
}
