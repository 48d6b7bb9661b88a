/**
 * The worker's lean heap (src/worker/heap.ts): in a fresh process, a started worker holds V8's young
 * generation at its starting size while objects keep surviving scavenges; with `leanHeap: false` the same
 * load grows it, which shows the check can fail. The hold starts as soon as Fila's modules run, so the
 * same load before the worker starts does not grow it either, unless FILA_LEAN_HEAP=0 or Node's own flag
 * says so. Its old generation, filled with promoted garbage, peaks lower than with V8's own sizing, and a
 * heap-growing flag Node was started with is left alone. A wrong value is refused before anything
 * starts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createFila, defineTask } from '../../src/index.js';

const CHILD = fileURLToPath(new URL('../fixtures/heap-child.mjs', import.meta.url));
// The child imports the built package (dist/), which npm test builds first.
const BUILT = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

interface HeapSizes {
  atImport: number;
  beforeStart: number;
  start: number;
  end: number;
  oldPeak: number;
}

function heapIn(
  leanHeap: boolean,
  nodeFlags: string[] = [],
  mode = '',
  env: NodeJS.ProcessEnv = {},
): HeapSizes {
  const out = execFileSync(process.execPath, [...nodeFlags, CHILD, String(leanHeap), mode], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', FILA_LEAN_HEAP: '', ...env },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as HeapSizes;
}

describe('worker leanHeap', () => {
  it('holds the young generation at its starting size by default, and lets it grow when false', () => {
    if (!existsSync(BUILT)) throw new Error('the package is not built: run npm run build (npm test does)');
    const lean = heapIn(true);
    expect(lean.end).toBeLessThanOrEqual(lean.start); // held (V8 may still shrink it)
    const grown = heapIn(false);
    expect(grown.end).toBeGreaterThan(grown.start);
  }, 30_000);

  it('holds the young generation from import: a load before the worker starts does not grow it', () => {
    if (!existsSync(BUILT)) throw new Error('the package is not built: run npm run build (npm test does)');
    const held = heapIn(true, [], 'load-first');
    expect(held.beforeStart).toBeLessThanOrEqual(held.atImport);
    expect(held.end).toBeLessThanOrEqual(held.atImport);
    // FILA_LEAN_HEAP=0 leaves V8's sizing alone until a worker starts; a semi-space flag of Node's too.
    const off = heapIn(true, [], 'load-first', { FILA_LEAN_HEAP: '0' });
    expect(off.beforeStart).toBeGreaterThan(off.atImport);
    const own = heapIn(true, ['--max-semi-space-size=16'], 'load-first');
    expect(own.beforeStart).toBeGreaterThan(own.atImport);
    // A process that enqueues before any worker starts is a producer: V8 sizes it again.
    const producer = heapIn(true, [], 'enqueue-first');
    expect(producer.beforeStart).toBeGreaterThan(producer.atImport);
  }, 40_000);

  it('lets the old generation grow to 1.5x what survives, unless Node was given its own growing flag', () => {
    if (!existsSync(BUILT)) throw new Error('the package is not built: run npm run build (npm test does)');
    const lean = heapIn(true);
    // V8's own old-generation sizing, with the young generation held as the worker holds it.
    const v8Own = heapIn(false, [], 'young-only');
    expect(v8Own.end).toBeLessThanOrEqual(v8Own.start);
    expect(lean.oldPeak).toBeLessThan(v8Own.oldPeak * 0.8);
    // Node started with a growing flag of its own (300%): the worker leaves it.
    const own = heapIn(true, ['--heap-growing-percent=300']);
    expect(own.oldPeak).toBeGreaterThan(lean.oldPeak / 0.8);
  }, 30_000);

  it('refuses a value that is not a boolean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fila-heap-'));
    const fila = createFila({ store: `sqlite://${join(dir, 'fila.db')}` });
    expect(() =>
      fila.worker({
        tasks: [defineTask({ name: 'noop', handler: () => {} })],
        leanHeap: 'yes' as unknown as boolean,
      }),
    ).toThrow(/leanHeap must be true or false/);
    await fila.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
