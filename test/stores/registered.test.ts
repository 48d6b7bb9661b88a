/**
 * The conformance suite on a store registered with registerStoreScheme (test/fixtures/wrapped-store.ts):
 * what a store written outside Fila runs to prove itself, child processes included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createFila } from '../../src/client/fila.js';
import { ValidationError } from '../../src/core/errors.js';
import { registerStoreScheme } from '../../src/stores/open.js';
import { runStoreConformance } from '../../src/testkit/index.js';
import { calls, SCHEME } from '../fixtures/wrapped-store.js';
import { openSqliteTransaction } from '../helpers/sqlite.js';

const register = fileURLToPath(new URL('../fixtures/wrapped-store.ts', import.meta.url));

runStoreConformance({
  name: SCHEME,
  makeStore: () => {
    const dir = mkdtempSync(join(tmpdir(), 'fila-registered-'));
    const path = join(dir, 'fila.db');
    return {
      url: `${SCHEME}://${path}`,
      register,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      openTransaction: () => openSqliteTransaction(path),
    };
  },
});

it('the suite went through the registered opener', () => {
  expect(calls.count).toBeGreaterThan(1000);
});

it('registerStoreScheme refuses a bad scheme, a built-in one, and a missing opener', () => {
  const open = () => {
    throw new Error('not called');
  };
  expect(() => registerStoreScheme('Bad Scheme', open)).toThrow(/invalid scheme "Bad Scheme"/);
  expect(() => registerStoreScheme('redis', open)).toThrow(/"redis" is one of Fila's own stores/);
  expect(() => registerStoreScheme('mine', 42 as never)).toThrow(ValidationError);
  expect(() => createFila({ store: 'unknown-scheme://x' })).toThrow(
    new RegExp(`unsupported scheme "unknown-scheme".*or ${SCHEME}://`),
  );
});
