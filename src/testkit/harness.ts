/**
 * Helpers for the conformance suite: isolated clients, polling assertions, and child processes that
 * run real workers and producers against the same store.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createFila, type Fila, type FilaOptions } from '../client/fila.js';
import type { Job } from '../core/job.js';
import type { StoreFixture } from './types.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value (which is returned) or `timeoutMs` passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

/** Waits until a job reaches one of `states`; returns it. */
export function waitForState(
  fila: Fila,
  id: string,
  states: Job['state'] | Job['state'][],
  timeoutMs = 10_000,
): Promise<Job> {
  const wanted = Array.isArray(states) ? states : [states];
  return waitFor(
    async () => {
      const job = await fila.getJob(id);
      return job && wanted.includes(job.state) ? job : null;
    },
    `job ${id} to be ${wanted.join(' or ')}`,
    timeoutMs,
  );
}

/** Tracks clients and child processes of one test, and closes them all afterwards. */
export class TestScope {
  private readonly clients: Fila[] = [];
  private readonly children: ChildProcess[] = [];

  constructor(readonly fixture: StoreFixture) {}

  client(options: Omit<FilaOptions, 'store'> = {}): Fila {
    const fila = createFila({ ...options, store: this.fixture.url });
    this.clients.push(fila);
    return fila;
  }

  child(mode: string, args: Record<string, unknown> = {}): Child {
    const child = new Child(mode, this.fixture.url, args, this.fixture.register);
    this.children.push(child.process);
    return child;
  }

  async close(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(this.clients.map((c) => c.close({ grace: 0 }).catch(() => {})));
    await this.fixture.cleanup?.();
  }
}

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

/** A child process running `child.ts` in one of its modes, talking over IPC. */
export class Child {
  readonly process: ChildProcess;
  readonly messages: ChildMessage[] = [];
  private readonly waiters: { match: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void }[] =
    [];
  readonly exited: Promise<number | null>;

  constructor(mode: string, url: string, args: Record<string, unknown>, register?: string) {
    const self = fileURLToPath(import.meta.url);
    const ts = self.endsWith('.ts');
    const script = self.replace(/harness\.(ts|js)$/, `child.${ts ? 'ts' : 'js'}`);
    // A TypeScript register module runs through tsx as Fila's own TypeScript does here.
    const tsRegister = register !== undefined && /\.[mc]?ts$/.test(register);
    this.process = fork(script, [mode, url, JSON.stringify(args), register ?? ''], {
      execArgv: ts ? ['--import', 'tsx'] : tsRegister ? ['--import', import.meta.resolve('tsx')] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (m: ChildMessage) => {
      this.messages.push(m);
      for (const w of this.waiters.slice()) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    // 'close', not 'exit': it comes after the last IPC message (a child's error report) is delivered.
    this.exited = new Promise((r) => this.process.on('close', (code) => r(code)));
  }

  /** The first message (already received or future) matching `type` and `match`. */
  next(
    type: string,
    match: (m: ChildMessage) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<ChildMessage> {
    const test = (m: ChildMessage) => m.type === type && match(m);
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child: no "${type}" message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match: test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        const error = this.messages.find((m) => m.type === 'error');
        const why = error ? `: ${String(error['message']).split('\n')[0]}` : '';
        reject(new Error(`child exited (${code}) before sending "${type}"${why}`));
      });
    });
  }

  count(type: string): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  send(message: ChildMessage): void {
    this.process.send(message);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.process.kill(signal);
  }
}
