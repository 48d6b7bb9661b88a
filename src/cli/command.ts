/** What a CLI command is, and what it gets to run. */
import type { Fila } from '../client/fila.js';
import type { AnyTask } from '../core/task.js';

export interface CommandContext {
  /** The store URL from --store, FILA_STORE_URL, or the default. */
  storeUrl: string;
  /** Opens a client on the store (once), knowing `tasks` if given. */
  client(options?: { migrate?: boolean; tasks?: AnyTask[] }): Fila;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], ctx: CommandContext): Promise<number | void>;
}
