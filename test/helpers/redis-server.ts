/**
 * A private Redis server for fault tests: its own port and folder, AOF with `appendfsync always`, so
 * tests can shut it down, kill it and restart it without disturbing the shared server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Servers still running when this process exits normally are killed, so a test file that ends without
 * its afterAll leaves none behind. A process killed by a signal still can: test files therefore start
 * their servers in beforeAll, never while loading (`vitest list` loads files and runs no hooks), and
 * the Cluster helper picks among more ports than it needs.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'fila-redis-'));
  private process: ChildProcess | undefined;

  /**
   * With `clusterPort`, the server runs in Cluster mode; `ownAllSlots` (default) then makes it a one-node
   * cluster owning every slot.
   */
  constructor(
    readonly port: number,
    private readonly clusterPort?: number,
    private readonly ownAllSlots = true,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server (again) on the same folder and waits until it answers PING with its data loaded. */
  async start(): Promise<void> {
    // Tests use ports below Linux's ephemeral range (32768-60999), so outgoing connections never hold
    // them; if one is still briefly in use (a previous server's socket), the server exits at once
    // (bind: address in use). Try again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (e) {
        if (attempt >= 5 || !(e as Error).message.includes('exited while starting')) throw e;
        await sleep(300);
      }
    }
  }

  private async startOnce(): Promise<void> {
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
        ...(this.clusterPort === undefined
          ? []
          : [
              '--cluster-enabled',
              'yes',
              '--cluster-port',
              String(this.clusterPort),
              '--cluster-config-file',
              join(this.dir, 'nodes.conf'),
            ]),
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
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
        if ((await client.ping()) === 'PONG') {
          if (this.clusterPort !== undefined && this.ownAllSlots) await this.claimAllSlots(client);
          return;
        }
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

  private async claimAllSlots(client: Redis): Promise<void> {
    const info = String(await client.call('CLUSTER', 'INFO'));
    if (!info.includes('cluster_slots_assigned:16384'))
      await client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await this.clusterOk(client);
  }

  /** Waits until this node sees its cluster as healthy (every slot served). */
  async waitClusterOk(): Promise<void> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await this.clusterOk(client);
    } finally {
      client.disconnect();
    }
  }

  private async clusterOk(client: Redis): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return;
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port}: the cluster did not become ready`);
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

/**
 * Resolves to the reason to skip tests that need a private server (no redis-server binary), or
 * undefined. Throws instead when FILA_REQUIRE_STORES lists redis.
 */
export function privateRedisUnavailable(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = `redis-server cannot be started here (${probe.error?.message ?? probe.stderr.trim()})`;
  const required = (process.env.FILA_REQUIRE_STORES ?? '').split(',').map((s) => s.trim());
  if (required.includes('redis')) throw new Error(`redis is required (FILA_REQUIRE_STORES) but ${reason}`);
  console.warn(`skipping the tests on a private Redis: ${reason}`);
  return reason;
}
