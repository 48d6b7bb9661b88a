/** What a CLI command is, and what it gets to run. */
import type { Fila } from '../client/fila.js';
import type { AnyTask } from '../core/task.js';

export interface CommandContext {
  /** The store URL from --store, FILA_STORE_URL, or the default. */
  storeUrl: string;
  /**
   * Opens a client on the store (once), knowing `tasks` if given. An SQLite store must already exist
   * unless `create` is set: a command that only reads or changes stored jobs refuses a path with no
   * database (a mistyped --store) instead of creating an empty one there.
   */
  client(options?: { migrate?: boolean; tasks?: AnyTask[]; create?: boolean }): Fila;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], ctx: CommandContext): Promise<number | void>;
}
