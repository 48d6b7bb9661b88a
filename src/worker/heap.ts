/**
 * The worker's memory default: keep V8's young generation at its starting size.
 *
 * A busy Node process grows its young generation up to twice `--max-semi-space-size` (32 MB on 64-bit
 * Node 20) once objects keep surviving scavenges, and a worker with many jobs in flight always has such
 * objects. Measured on PostgreSQL and Redis at concurrency 100 (bench/RESULTS.md): peak RSS about 17 MB
 * lower with the young generation held at its start size, and throughput no lower (a small young
 * generation stays in the CPU caches). The setting is V8's `--semi-space-growth-factor=1`, which V8 reads
 * whenever it would grow the space, so it can be set after start; it is process-wide, so it is applied
 * once, and never when the process was started with its own semi-space flag (that choice wins).
 */
import { setFlagsFromString } from 'node:v8';

let decided = false;

/** Applies the cap once per process; returns whether this call applied it. */
export function holdYoungGeneration(): boolean {
  if (decided) return false;
  decided = true;
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  if (flags.some((flag) => /semi[-_]space/.test(flag))) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
