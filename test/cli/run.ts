/**
 * Running the built CLI as users do, for the CLI suites beyond cli.test.ts: `runFila` waits for a
 * command (with a time limit, so a command that never ends fails its test instead of hanging it),
 * `startFila` leaves one running in the background. Every background process is killed after its test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/fila.js');

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js')))
    throw new Error('the CLI is not built: run npm run build (npm test does)');
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface Run {
  /** The exit code; null when the command was still running at the time limit (and was killed). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runFila(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    timeout: options.timeoutMs ?? 20_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type Background = ChildProcess & { output: () => string; exited: Promise<number | null> };

export function startFila(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Background {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  children.push(child);
  return Object.assign(child, { output: () => out, exited });
}

/** Waits (up to `ms`) until a background process has printed something matching `pattern`. */
export async function outputMatching(child: Background, pattern: RegExp, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(child.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return child.output();
}
