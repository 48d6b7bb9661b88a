/**
 * A private three-node Redis Cluster (three primaries, no replicas) for tests, each node in its own
 * folder. Its six ports (three for clients, three for the cluster bus) are picked among the free ones
 * of 26379-26389 and 26400-26419 that the other private servers of the tests do not use (so a server
 * left behind by an interrupted run does not stop the next one). The range lies below Linux's
 * ephemeral ports (32768-60999), so no outgoing connection takes one; another program still might.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { PrivateRedis } from './redis-server.js';

/** 26381 (redis-faults) and 26382-26383 (redis-cluster) belong to other test files. */
const CANDIDATES = [
  26379,
  26380,
  ...Array.from({ length: 6 }, (_, i) => 26384 + i),
  ...Array.from({ length: 20 }, (_, i) => 26400 + i),
];

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export class PrivateCluster {
  private constructor(readonly nodes: PrivateRedis[]) {}

  static async create(): Promise<PrivateCluster> {
    const free: number[] = [];
    for (const port of CANDIDATES) if (await canBind(port)) free.push(port);
    if (free.length < 6)
      throw new Error(`need 6 free ports among ${CANDIDATES.join(', ')}; free: ${free.join(', ')}`);
    return new PrivateCluster([0, 1, 2].map((i) => new PrivateRedis(free[i]!, free[i + 3]!, false)));
  }

  /** A URL for the store naming one node; the client discovers the others. */
  get url(): string {
    return `${this.nodes[0]!.url}?cluster=true`;
  }

  async start(): Promise<void> {
    try {
      await Promise.all(this.nodes.map((n) => n.start()));
      const created = spawnSync(
        'redis-cli',
        ['--cluster', 'create', ...this.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      if (created.status !== 0)
        throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      await Promise.all(this.nodes.map((n) => n.waitClusterOk()));
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
