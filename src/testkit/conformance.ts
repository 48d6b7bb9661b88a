/**
 * The store conformance suite: the same tests, with the same assertions, for every store. A store's
 * test file calls it in a few lines:
 *
 *   runStoreConformance({ name: 'sqlite', makeStore: () => ({ url: `sqlite://${tmp()}/fila.db` }) });
 *
 * Every test gets a fresh, isolated store from `makeStore`. A store may skip a test only by naming it
 * in `skip` with the reason, which is printed in the report.
 */
import { describe, it } from 'vitest';
import { enqueueTests } from './enqueue.js';
import { TestScope } from './harness.js';
import { leaseTests } from './leases.js';
import { operationTests } from './operations.js';
import { processTests } from './processes.js';
import { registryTests } from './registry.js';
import type { ConformanceOptions } from './types.js';
import { workerTests } from './worker.js';

export type ConformanceTest = (
  title: string,
  body: (scope: TestScope) => Promise<void>,
  timeoutMs?: number,
) => void;

export function runStoreConformance(options: ConformanceOptions): void {
  if (options.skipAll) {
    describe.skip(`${options.name} store — skipped: ${options.skipAll}`, () => {
      it('conformance', () => {});
    });
    return;
  }
  const test: ConformanceTest = (title, body, timeoutMs = 30_000) => {
    const reason = options.skip?.[title];
    if (reason) {
      it.skip(`${title} — skipped on ${options.name}: ${reason}`, () => {});
      return;
    }
    it(
      title,
      async () => {
        const scope = new TestScope(await options.makeStore());
        try {
          await body(scope);
        } finally {
          await scope.close();
        }
      },
      timeoutMs,
    );
  };
  describe(`${options.name} store`, () => {
    enqueueTests(test);
    operationTests(test);
    workerTests(test);
    leaseTests(test);
    registryTests(test);
    processTests(test);
  });
}
