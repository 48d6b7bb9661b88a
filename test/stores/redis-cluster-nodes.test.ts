/**
 * The Redis store on a real three-node Cluster: namespaces land on different nodes, and the client
 * follows the Cluster's redirections. Runs the conformance suite with every test's namespace in its
 * own slot, so tests spread over the three nodes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { dropStore } from '../../src/stores/open.js';
import { runStoreConformance } from '../../src/testkit/index.js';
import { PrivateCluster } from '../helpers/redis-cluster.js';
import { privateRedisUnavailable } from '../helpers/redis-server.js';

const skipAll = privateRedisUnavailable();
const cluster = skipAll ? null : await PrivateCluster.create();
// Started before the tests, not while the file is loaded: `vitest list` loads it and runs no afterAll.
beforeAll(() => cluster?.start(), 60_000);
afterAll(() => cluster?.stop());

runStoreConformance({
  name: 'redis (three-node cluster)',
  skipAll,
  makeStore: () => {
    const url = `${cluster!.url}&prefix=fila-test-${randomBytes(6).toString('hex')}`;
    return { url, cleanup: () => dropStore(url) };
  },
});
