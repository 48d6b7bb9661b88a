/**
 * Imported first by the package's entry points (index.ts, server/index.ts, cli/main.ts, and bin/fila.js
 * before it loads the CLI): holds V8's young generation as soon as Fila's modules run (see
 * worker/heap.ts).
 */
import { holdYoungGeneration } from './worker/heap.js';

holdYoungGeneration();
