import { randomBytes } from 'node:crypto';
import { dropStore } from '../../src/stores/open.js';
import { runStoreConformance } from '../../src/testkit/index.js';
import { REDIS_URL, unavailable } from '../helpers/services.js';

// Each test gets its own key prefix on the shared server, deleted afterwards (SCAN + UNLINK).
const skipAll = await unavailable('redis');

runStoreConformance({
  name: 'redis',
  skipAll,
  makeStore: () => {
    const url = new URL(REDIS_URL);
    url.searchParams.set('prefix', `fila-test-${randomBytes(6).toString('hex')}`);
    return { url: url.toString(), cleanup: () => dropStore(url.toString()) };
  },
});
