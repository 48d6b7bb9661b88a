/**
 * A private Redis server for fault tests: its own port and folder, AOF with `appendfsync always`, so
 * tests can shut it down, kill it and restart it without disturbing the shared server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'fila-redis-'));
  private process: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server (again) on the same folder and waits until it answers PING with its data loaded. */
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        // not up yet (or still loading)
      } finally {
        client.disconnect();
      }
      const gone = await Promise.race([exited.then(() => true), sleep(50).then(() => false)]);
      if (gone) throw new Error(`redis-server on port ${this.port} exited while starting`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start in 20 s`);
    }
  }

  /** SHUTDOWN: a clean stop (the AOF is flushed). */
  async shutdown(): Promise<void> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    const exited = this.exited();
    await client.call('SHUTDOWN').catch(() => {});
    client.disconnect();
    await exited;
  }

  /** kill -9: no chance to flush anything beyond what `appendfsync always` already wrote. */
  async kill(): Promise<void> {
    const exited = this.exited();
    this.process?.kill('SIGKILL');
    await exited;
  }

  private exited(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((r) => child.once('exit', () => r()));
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
