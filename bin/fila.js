#!/usr/bin/env node
// The `fila` command: runs the compiled CLI (npm install builds it).
// The young generation is held before the CLI's modules run (see src/worker/heap.ts).
import '../dist/heap-at-import.js';

const { run } = await import('../dist/cli/main.js');
await run(process.argv.slice(2));
