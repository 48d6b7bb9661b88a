/**
 * The Redis store's key layout and URL. Every key of a namespace (a key prefix, `fila` by default)
 * carries the same hash tag, `{<prefix>}`, so every script runs within one Cluster slot: a namespace
 * is atomic as a whole (dedup keys are unique across queues, claims order jobs across queues), at the
 * price of living on one Cluster node. Several namespaces spread over a Cluster. See lua/lib.lua for
 * what each key holds and docs/stores/redis.md for the trade-off.
 */
import { ValidationError } from '../../core/errors.js';

/** The namespace's global keys, in the order lua/lib.lua expects them (its G table). */
const GLOBAL = [
  'seq',
  'job',
  'prog',
  'res',
  'lasterr',
  'errs',
  'jkey',
  'keys',
  'all',
  'active',
  'queues',
  'cnt',
  'logseq',
  'events',
  'tokens',
  'workers',
  'wexp',
  'version',
] as const;

export type GlobalKey = (typeof GLOBAL)[number];

/**
 * The per-queue keys, in the order lua/lib.lua expects them: ready set, delayed, one per terminal state,
 * then the ready list.
 */
const PER_QUEUE = ['r', 'd', 'c', 'f', 'x', 'l'] as const;

const PREFIX = /^[A-Za-z0-9_.:-]{1,100}$/;

export class KeyLayout {
  readonly global: string[];
  readonly named: Record<GlobalKey, string>;
  /** Pub/sub channel prefix: `<channel>:wake` (jobs ready), `<channel>:events` (event log). */
  readonly channel: string;
  private readonly queueKeyCache = new Map<string, string[]>();

  constructor(readonly prefix: string) {
    if (!PREFIX.test(prefix)) {
      throw new ValidationError(
        `prefix: invalid Redis key prefix ${JSON.stringify(prefix.slice(0, 40))}; use 1-100 letters, digits or _ . : -`,
      );
    }
    const base = `{${prefix}}`;
    this.global = GLOBAL.map((k) => `${base}:${k}`);
    this.named = Object.fromEntries(GLOBAL.map((k, i) => [k, this.global[i]!])) as Record<GlobalKey, string>;
    this.channel = `${base}:ch`;
  }

  /**
   * Keys and the leading arguments of a script call touching `queues`, then `extra` keys (see
   * lua/lib.lua).
   */
  call(
    queues: readonly string[],
    args: (string | number)[],
    extra: readonly string[] = [],
  ): { keys: string[]; args: (string | number)[] } {
    const keys = this.global.slice();
    for (const q of queues) keys.push(...this.queueKeys(q));
    keys.push(...extra);
    return { keys, args: [this.channel, queues.length, ...queues, ...args] };
  }

  /** The list holding a job's log lines. */
  logKey(id: string): string {
    return `{${this.prefix}}:log:${id}`;
  }

  /** A queue's keys: ready set, delayed (scheduled and retrying), completed, failed, cancelled, ready list. */
  queueKeys(name: string): string[] {
    let keys = this.queueKeyCache.get(name);
    if (!keys) {
      keys = PER_QUEUE.map((k) => `{${this.prefix}}:q:${name}:${k}`);
      if (this.queueKeyCache.size < 10_000) this.queueKeyCache.set(name, keys);
    }
    return keys;
  }

  /** The SCAN pattern matching every key of the namespace. */
  get pattern(): string {
    return `{${this.prefix}}:*`;
  }
}

export interface RedisUrl {
  /** The URL for the client, without Fila's own parameters. */
  connection: string;
  prefix: string;
  /** `cluster=true`: the URL names one node of a Redis Cluster. */
  cluster: boolean;
  /** `commandTimeoutMs=N`: how long a command may go unanswered (default 10 s). */
  commandTimeoutMs?: number;
}

/** Splits `redis://…?prefix=name` into the connection URL and Fila's options. */
export function parseRedisUrl(url: string): RedisUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new ValidationError(`store URL: not a valid redis:// URL`, { cause: e });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ValidationError(`store URL: expected redis:// or rediss://, got ${parsed.protocol}//`);
  }
  let prefix = 'fila';
  let cluster = false;
  let commandTimeoutMs: number | undefined;
  const seen = new Set<string>();
  for (const [key, value] of parsed.searchParams) {
    if (seen.has(key)) throw new ValidationError(`store URL: parameter ${key} given twice`);
    seen.add(key);
    if (key === 'prefix') prefix = value;
    else if (key === 'cluster' && (value === 'true' || value === 'false')) cluster = value === 'true';
    else if (key === 'commandTimeoutMs' && /^[1-9]\d{2,6}$/.test(value)) commandTimeoutMs = Number(value);
    else
      throw new ValidationError(
        `store URL: unknown or invalid parameter ${key}=${value.slice(0, 40)} (accepted: prefix=NAME, cluster=true|false, commandTimeoutMs=100..9999999)`,
      );
  }
  new KeyLayout(prefix); // validates
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,2}$/.test(parsed.pathname)) {
    throw new ValidationError(
      `store URL: the path must be a database number (redis://host:6379/0), got ${parsed.pathname}`,
    );
  }
  if (cluster && parsed.pathname.length > 1 && parsed.pathname !== '/0') {
    throw new ValidationError(`store URL: a Redis Cluster has database 0 only, got ${parsed.pathname}`);
  }
  parsed.search = '';
  return {
    connection: parsed.toString(),
    prefix,
    cluster,
    ...(commandTimeoutMs ? { commandTimeoutMs } : {}),
  };
}
