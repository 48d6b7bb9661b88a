#!/usr/bin/env node
// The `fila` command: runs the compiled CLI (npm install builds it).
import { run } from '../dist/cli/main.js';

await run(process.argv.slice(2));
