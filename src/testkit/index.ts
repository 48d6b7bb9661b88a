/**
 * `fila/testkit`: the conformance suite every store passes, for stores written outside this package
 * too. Requires vitest (and zod) as dev dependencies of the caller.
 */
export { runStoreConformance } from './conformance.js';
export type { ConformanceOptions, StoreFixture, AppTransaction } from './types.js';
export { waitFor, waitForState, sleep } from './harness.js';
/** Deletes everything a store URL names (a SQLite file, a PostgreSQL schema, a Redis key prefix): test cleanup. */
export { dropStore } from '../stores/open.js';
