/**
 * The worker's memory default (`leanHeap`): keep V8's heap close to what the process actually holds.
 *
 * Two V8 settings, both read by V8 whenever it resizes the heap, so they can be set after start:
 *   - `--semi-space-growth-factor=1`: a busy process grows its young generation up to twice
 *     `--max-semi-space-size` (32 MB on 64-bit Node 20) once objects keep surviving scavenges, and a
 *     worker with many jobs in flight always has such objects. Held at its start size: peak RSS about
 *     17 MB lower at concurrency 100 on PostgreSQL and Redis, throughput no lower (a small young
 *     generation stays in the CPU caches).
 *   - `--heap-growing-percent=50`: after each full collection V8 lets the old generation grow to a
 *     multiple of what survived, up to 4× for a small heap that collects quickly. A worker holds about
 *     8 MB, so its old generation filled with up to ~30 MB of garbage before the next collection. At 1.5×:
 *     over 200,000 jobs at concurrency 100 on PostgreSQL, peak RSS 75 MB instead of 94–97 MB, throughput
 *     within the runs' noise (bench/worker-memory.mjs, ADR 0007).
 * Both are process-wide, so they are applied once, and each is skipped when the process was started with
 * a flag of its own for it (that choice wins).
 *
 * The young generation is held as soon as Fila's modules run (`holdYoungGeneration`, which the package's
 * entry points run first), not only from a worker's start: what a process does before its worker starts
 * (loading the store's driver and the application's own modules, opening connections) keeps many objects
 * alive across scavenges, and in about one of three worker processes of the peer harness V8 had grown the
 * young generation from 1 MB to 8–16 MB by then, for a peak RSS of 83–86 MB instead of 71–74. (Modules
 * imported statically together with Fila are compiled before any of them runs, so the hold cannot cover
 * that part; about 1 → 4 MB.) A process that enqueues before any worker starts here gets V8's sizing back
 * at its first enqueue: held, a producer's bulk enqueues ran 15–20% slower (more scavenges of the
 * batches it builds). `FILA_LEAN_HEAP=0` in the environment leaves V8's sizing alone until a worker
 * starts; a worker with `leanHeap: false` gives the growth back to V8 (its default factor, 2).
 */
import { setFlagsFromString } from 'node:v8';

let decided = false;
/** The young generation was held at import (so a worker with `leanHeap: false` gives it back). */
let heldAtImport = false;

const given = () => [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
const givenSemiSpace = () => given().some((flag) => /semi[-_]space/.test(flag));

/**
 * Holds the young generation at its size from now on, unless Node was given a semi-space flag or
 * FILA_LEAN_HEAP=0 is set.
 */
export function holdYoungGeneration(): void {
  if (heldAtImport || decided || process.env['FILA_LEAN_HEAP'] === '0' || givenSemiSpace()) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  heldAtImport = true;
}

/** Applies the lean heap settings once per process; returns the flags this call set. */
export function leanHeapFlags(): string[] {
  if (decided) return [];
  decided = true;
  const set: string[] = [];
  if (!givenSemiSpace()) set.push('--semi-space-growth-factor=1');
  if (!given().some((flag) => /heap[-_]growing/.test(flag))) set.push('--heap-growing-percent=50');
  for (const flag of set) setFlagsFromString(flag);
  return set;
}

/**
 * V8 sizes the young generation again, if Fila held it at import and no worker has started with the lean
 * heap: for a worker with `leanHeap: false`, and at a process's first enqueue (a producer).
 */
export function releaseYoungGeneration(): void {
  if (!heldAtImport || decided) return;
  heldAtImport = false;
  setFlagsFromString('--semi-space-growth-factor=2');
}
