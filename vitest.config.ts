import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Test files run in separate forked processes, at most two at a time: the machine has two cores and
// several suites start real child processes of their own. `fila` (as the examples import it) resolves
// to the sources under test.
export default defineConfig({
  resolve: { alias: { fila: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
