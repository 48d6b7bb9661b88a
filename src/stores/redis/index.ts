/**
 * The Redis store: entry points used by openStore and dropStore.
 */
import type { Store } from '../../core/store.js';
import type { OpenStoreOptions } from '../open.js';
import { connect, ready, scanKeys } from './connection.js';
import { KeyLayout, parseRedisUrl } from './keys.js';
import { mapRedisError } from './scripts.js';
import { RedisStore } from './store.js';

export { RedisStore, type RedisStoreOptions } from './store.js';

export async function openRedisStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const { connection, prefix, cluster, commandTimeoutMs } = parseRedisUrl(url);
  const store = new RedisStore({
    url: connection,
    prefix,
    cluster,
    ...(commandTimeoutMs ? { commandTimeoutMs } : {}),
  });
  try {
    await store.ready(database(connection));
    if (options.migrate !== false) await store.migrate();
  } catch (e) {
    await store.close();
    throw mapRedisError(e, 'open');
  }
  return store;
}

/** The database number of a redis:// URL (0 when it names none). */
function database(connection: string): number {
  return Number(new URL(connection).pathname.slice(1) || 0);
}

/**
 * Deletes every key of the URL's namespace (its prefix), with SCAN and UNLINK: never FLUSHDB, since
 * other applications may share the server.
 */
export async function dropRedisNamespace(url: string): Promise<void> {
  const { connection, prefix, cluster } = parseRedisUrl(url);
  const layout = new KeyLayout(prefix);
  const redis = connect({ url: connection, cluster }, 'admin');
  try {
    await redis.connect();
    // On a database the server refuses, ioredis would scan database 0: another namespace's keys.
    await ready(redis, database(connection));
    for await (const keys of scanKeys(redis, layout.pattern)) await redis.unlink(...keys);
  } catch (e) {
    throw mapRedisError(e, 'drop namespace', redis);
  } finally {
    redis.disconnect();
  }
}
