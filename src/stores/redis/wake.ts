/**
 * Wake-ups for the Redis store: scripts that make work ready PUBLISH on `<channel>:wake`, the event log
 * on `<channel>:events`. One dedicated connection per store object subscribes to both, only while
 * someone listens. ioredis reconnects it, and it subscribes again after a disconnect; when it is ready again
 * every listener is woken once, since messages published meanwhile were lost (pub/sub keeps nothing).
 * The worker's own jittered poll remains the safety net for anything else that goes missing.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './connection.js';

type Listener = () => void;

export class Subscriber {
  private connection: RedisClient | undefined;
  private readonly jobs = new Set<Listener>();
  private readonly events = new Set<Listener>();
  private readonly wakeChannel: string;
  private readonly eventsChannel: string;

  constructor(
    private readonly open: () => RedisClient,
    channel: string,
  ) {
    this.wakeChannel = `${channel}:wake`;
    this.eventsChannel = `${channel}:events`;
  }

  /** Listens for new work (`jobs`) or new events; returns the function that stops listening. */
  add(kind: 'jobs' | 'events', listener: Listener): () => void {
    const set = kind === 'jobs' ? this.jobs : this.events;
    set.add(listener);
    this.connect();
    return () => {
      set.delete(listener);
      if (this.jobs.size === 0 && this.events.size === 0) this.close();
    };
  }

  /** Wakes this process's listeners at once (work this store object made ready). */
  notify(kind: 'jobs' | 'events'): void {
    notifyAll(kind === 'jobs' ? this.jobs : this.events);
  }

  close(): void {
    this.connection?.disconnect();
    this.connection = undefined;
  }

  private connect(): void {
    if (this.connection) return;
    const connection = this.open();
    this.connection = connection;
    connection.on('message', (channel: string) => {
      if (channel === this.wakeChannel) notifyAll(this.jobs);
      else if (channel === this.eventsChannel) notifyAll(this.events);
    });
    const subscribe = () =>
      connection.subscribe(this.wakeChannel, this.eventsChannel).catch(() => {
        // Only when close() ends the connection before the reply (a lost connection keeps the command,
        // which waits out the outage; each 'ready' subscribes again anyway).
      });
    // A Cluster client subscribes again on its own after a failover. A standalone one is configured not to
    // (connection.ts): ioredis would send that SUBSCRIBE with no one to handle its failure, and a close()
    // landing before the reply then made an unhandled rejection. So it subscribes on every 'ready' here.
    const standalone = !(connection instanceof Cluster);
    let connectedBefore = false;
    connection.on('ready', () => {
      if (standalone) void subscribe();
      if (connectedBefore) {
        notifyAll(this.jobs);
        notifyAll(this.events);
      }
      connectedBefore = true;
    });
    if (!standalone) void subscribe();
  }
}

function notifyAll(listeners: Set<Listener>): void {
  for (const listener of listeners) {
    try {
      listener();
    } catch {
      // One listener's failure must not stop the others.
    }
  }
}
