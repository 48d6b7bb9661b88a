/**
 * The conformance suite again, on a private Redis running in Cluster mode (one node owning every slot).
 * A Cluster node refuses a script whose keys span slots (CROSSSLOT), so this proves every script keeps
 * to its namespace's one hash tag.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { dropStore } from '../../src/stores/open.js';
import { runStoreConformance } from '../../src/testkit/index.js';
import { PrivateRedis, privateRedisUnavailable } from '../helpers/redis-server.js';

const skipAll = privateRedisUnavailable();
const server = skipAll ? null : new PrivateRedis(26382, 26383);
// Started before the tests, not while the file is loaded: `vitest list` loads it and runs no afterAll.
beforeAll(() => server?.start(), 60_000);
afterAll(() => server?.stop());

runStoreConformance({
  name: 'redis (cluster mode)',
  skipAll,
  makeStore: () => {
    const url = `${server!.url}?prefix=fila-test-${randomBytes(6).toString('hex')}`;
    return { url, cleanup: () => dropStore(url) };
  },
});
