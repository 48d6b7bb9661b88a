/**
 * The Redis store: entry points used by openStore and dropStore.
 */
import type { Store } from '../../core/store.js';
import type { OpenStoreOptions } from '../open.js';
import { connect, scanKeys } from './connection.js';
import { KeyLayout, parseRedisUrl } from './keys.js';
import { mapRedisError } from './scripts.js';
import { RedisStore } from './store.js';

export { RedisStore, type RedisStoreOptions } from './store.js';

export async function openRedisStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const { connection, prefix, cluster } = parseRedisUrl(url);
  const store = new RedisStore({ url: connection, prefix, cluster });
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
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
    for await (const keys of scanKeys(redis, layout.pattern)) await redis.unlink(...keys);
  } catch (e) {
    throw mapRedisError(e, 'drop namespace');
  } finally {
    redis.disconnect();
  }
}
