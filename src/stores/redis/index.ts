/**
 * The Redis store: entry points used by openStore and dropStore.
 */
import { Redis } from 'ioredis';
import type { Store } from '../../core/store.js';
import type { OpenStoreOptions } from '../open.js';
import { KeyLayout, parseRedisUrl } from './keys.js';
import { mapRedisError } from './scripts.js';
import { RedisStore } from './store.js';

export { RedisStore, type RedisStoreOptions } from './store.js';

export async function openRedisStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const { connection, prefix } = parseRedisUrl(url);
  const store = new RedisStore({ url: connection, prefix });
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
  const { connection, prefix } = parseRedisUrl(url);
  const layout = new KeyLayout(prefix);
  const redis = new Redis(connection, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', layout.pattern, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (e) {
    throw mapRedisError(e, 'drop namespace');
  } finally {
    redis.disconnect();
  }
}
