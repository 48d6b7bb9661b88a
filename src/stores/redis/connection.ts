/**
 * Connections to Redis: one standalone server, or a Cluster (`?cluster=true`: the URL names one node,
 * ioredis discovers the others and follows MOVED and ASK redirections). Every connection is configured
 * to fail fast while the server is away: a command waits through two reconnection attempts at most
 * (about a second), then fails, and the store reports StoreUnavailableError; it never waits forever.
 *
 * - A command with no reply after COMMAND_TIMEOUT_MS fails (a frozen server, a partition that drops
 *   packets without closing the socket); TCP keep-alive notices a dead peer on idle connections.
 * - A command in flight when the connection drops is not sent again on reconnecting (ioredis's default):
 *   it may have run, and a script run twice (a completion, a claim) would answer for its second run. It
 *   fails instead (after COMMAND_TIMEOUT_MS), and callers treat that failure as "may have happened".
 * - A READONLY reply (a failover left this connection on a replica) fails its command at once
 *   (StoreUnavailableError) and reconnects, so a name that now points at the new primary is resolved
 *   again for the next commands.
 * - A Cluster's commands fail at once while the cluster is not ready, rather than waiting in its own
 *   queue, which only ends when the client is closed; opening a store waits for it to become ready.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, ValidationError } from '../../core/errors.js';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  /** redis:// or rediss:// URL of the server, or of any node of the Cluster. */
  url: string;
  cluster: boolean;
  /** Reconnection attempts a command waits through before failing. Default 2. */
  maxRetriesPerRequest?: number;
  /** How long a command may go unanswered before it fails. Default COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
}

const reconnectDelay = (times: number) => Math.min(100 * times, 1000);

export const COMMAND_TIMEOUT_MS = 10_000;

// Reconnect, but do not send the refused command again: the caller has its StoreUnavailableError, and a
// resent command would bounce on every reconnect while the endpoint stays read-only.
const reconnectOnError = (error: Error) => /^READONLY/.test(error.message);

/**
 * A new connection. `subscriber` connections wait out an outage instead of failing their SUBSCRIBE.
 *
 * A single server's connections do not pipeline automatically: ioredis still sends each command without
 * waiting for earlier replies, and its auto-pipelining (which holds commands until the end of the tick
 * to write them together) cost a lone enqueue about a fifth of its speed (single add 4,718 -> 5,676
 * jobs/s, medians of 3 alternating runs; processing at concurrency 100 unchanged within the noise),
 * because the store already batches: one script call per batch of jobs. Cluster connections keep it
 * (not measured there).
 */
export function connect(target: RedisTarget, role: 'commands' | 'subscriber' | 'admin'): RedisClient {
  const retries = role === 'subscriber' ? null : role === 'admin' ? 2 : (target.maxRetriesPerRequest ?? 2);
  // A subscriber sends only SUBSCRIBE, which waits out an outage; the others fail fast.
  const failFast: RedisOptions =
    role === 'subscriber'
      ? { keepAlive: 10_000 }
      : {
          keepAlive: 10_000,
          commandTimeout: target.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
          autoResendUnfulfilledCommands: false,
          reconnectOnError,
        };
  const options: RedisOptions = {
    maxRetriesPerRequest: retries,
    connectTimeout: 5000,
    enableAutoPipelining: false,
    lazyConnect: role === 'admin',
    ...failFast,
  };
  let client: RedisClient;
  if (target.cluster) {
    const u = new URL(target.url);
    client = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
      enableAutoPipelining: role === 'commands',
      enableOfflineQueue: role === 'subscriber',
      lazyConnect: role === 'admin',
      clusterRetryStrategy: reconnectDelay,
      redisOptions: {
        maxRetriesPerRequest: retries,
        connectTimeout: 5000,
        ...failFast,
        ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
        ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
        ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    });
  } else {
    client = new Redis(target.url, {
      ...options,
      retryStrategy: reconnectDelay,
      // wake.ts subscribes on every 'ready' itself (a Cluster keeps ioredis's own resubscription).
      ...(role === 'subscriber' ? { autoResubscribe: false } : {}),
    });
  }
  client.on('error', (error: Error) => {
    // Reconnection is automatic; each command reports an outage to its caller, with this as its cause.
    lastErrors.set(client, error.message);
  });
  client.on('ready', () => lastErrors.delete(client));
  return client;
}

const lastErrors = new WeakMap<RedisClient, string>();

/**
 * Why a client cannot reach its server, for error messages: its address and the last connection error
 * (ioredis itself only says that a command ran out of retries).
 */
export function outageOf(client: RedisClient): string | undefined {
  const error = lastErrors.get(client);
  // Only while it is trying to reach the server: a connection closed on purpose has its own message.
  if (error === undefined || !['connecting', 'reconnecting', 'connect'].includes(client.status))
    return undefined;
  const where =
    client instanceof Cluster
      ? 'Redis Cluster'
      : `${client.options.host ?? '?'}:${client.options.port ?? '?'}`;
  return `${where}: ${error}`;
}

/**
 * Waits until a Cluster client is ready (its slots known), or fails with StoreUnavailableError after
 * `timeoutMs`; a standalone client needs no wait (its commands queue until connected). Then, for a
 * standalone server on a database other than 0, checks the server accepts it: ioredis selects it on
 * connecting but only reports a refusal as an event, and its commands would then run on database 0.
 */
export async function ready(client: RedisClient, database: number, timeoutMs = 10_000): Promise<void> {
  if (client instanceof Cluster) {
    if (client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(new StoreUnavailableError(`Redis Cluster is unavailable: not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', onReady);
    });
    return;
  }
  if (database === 0) return;
  try {
    await client.select(database);
  } catch (e) {
    if (e instanceof Error && e.name === 'ReplyError') {
      throw new ValidationError(`store URL: database ${database}: the server refused it (${e.message})`, {
        cause: e,
      });
    }
    throw e;
  }
}

/** Every key matching `pattern`, on every primary of a Cluster or on the one server. */
export async function* scanKeys(client: RedisClient, pattern: string): AsyncGenerator<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }
}
