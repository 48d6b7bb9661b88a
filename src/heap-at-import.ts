/**
 * Imported first by the package's entry points (index.ts, cli/main.ts): holds V8's young generation from
 * the start, before loading the rest of Fila grows it (see worker/heap.ts).
 */
import { holdYoungGeneration } from './worker/heap.js';

holdYoungGeneration();
