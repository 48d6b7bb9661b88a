/** Jobs as the store contract takes them, for tests that call a store directly. */
import { newId } from '../../src/core/ids.js';
import type { NewJob } from '../../src/core/store.js';

/** A `noop` job for the default queue, ready now, with every option at its default. */
export function plainJob(id: string = newId()): NewJob {
  return {
    id,
    task: 'noop',
    queue: 'default',
    payload: '{}',
    priority: 0,
    runAt: null,
    delayMs: 0,
    maxAttempts: 3,
    backoff: null,
    timeoutMs: null,
    key: null,
    tenant: null,
    metadata: null,
    dedup: 'ignore',
  };
}
