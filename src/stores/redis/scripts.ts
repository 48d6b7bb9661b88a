/**
 * Loads the Redis store's Lua scripts (lua/*.lua, bundled into sql.gen.ts) and calls them. Each script
 * is registered with ioredis's defineCommand, which sends EVALSHA and falls back to EVAL on NOSCRIPT
 * (a restarted or flushed server), so a script's text crosses the wire once per connection at most.
 * Each bundled script already carries the parts of lua/lib.lua it uses (scripts/gen-sql.mjs).
 *
 * Errors: a server that cannot be reached (refused, closed, still loading its data, read-only replica,
 * Cluster down) becomes StoreUnavailableError; anything else from Redis is a FilaError `store_error`.
 */
import { FilaError, StoreUnavailableError } from '../../core/errors.js';
import { outageOf, type RedisClient } from './connection.js';
import type { KeyLayout } from './keys.js';
import { scripts } from './sql.gen.js';

export type ScriptName = keyof typeof scripts;

type Command = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** Server replies that mean "not now", not "wrong": the caller may retry later. */
const UNAVAILABLE = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

export function mapRedisError(error: unknown, during: string, client?: RedisClient): Error {
  if (error instanceof FilaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (!isReply || UNAVAILABLE.test(message)) {
    const outage = !isReply && client ? outageOf(client) : undefined;
    return new StoreUnavailableError(`Redis is unavailable (${during}): ${outage ?? message}`, {
      cause: error,
    });
  }
  return new FilaError('store_error', `Redis refused ${during}: ${message}`, { cause: error });
}

export class Scripts {
  private readonly commands = new Map<ScriptName, Command>();

  constructor(
    private readonly redis: RedisClient,
    private readonly layout: KeyLayout,
  ) {
    for (const [name, body] of Object.entries(scripts)) {
      const command = `fila_${name}`;
      redis.defineCommand(command, { lua: body });
      const fn = (redis as unknown as Record<string, Command>)[command]!;
      this.commands.set(name as ScriptName, fn.bind(redis));
    }
  }

  /**
   * Runs a script with the keys of `queues` (and `extraKeys` after them). When the script meets a job of
   * another queue it writes nothing and names that queue; the call is then repeated with its keys too.
   */
  async run(
    name: ScriptName,
    queues: readonly string[],
    args: (string | number)[],
    extraKeys: readonly string[] = [],
  ): Promise<unknown> {
    let names = [...new Set(queues)];
    for (let round = 0; ; round++) {
      const { keys, args: all } = this.layout.call(names, args, extraKeys);
      let reply: unknown;
      try {
        reply = await this.commands.get(name)!(keys.length, ...keys, ...all);
      } catch (e) {
        throw mapRedisError(e, `script ${name}`, this.redis);
      }
      if (!Array.isArray(reply) || reply[0] !== 'MOVED') return reply;
      if (round >= 10) throw new FilaError('store_error', `script ${name}: jobs kept moving between queues`);
      names = [...new Set([...names, ...(reply.slice(1) as string[])])];
    }
  }
}
