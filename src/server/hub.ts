/**
 * The server's view of the shared event log. One tail per server process reads new events (woken by
 * the store's `eventListen`, with a 1 s poll behind it) and hands each one to:
 *   - SSE subscribers whose filter matches (a subscriber can first replay retained events after an id,
 *     for Last-Event-ID; replay and live events meet without gap or overlap, see `subscribe`);
 *   - observers (metrics);
 *   - a sliding window of completed and failed attempts per tenant and queue (recent throughput,
 *     failure rates for /queues and /health).
 *
 * While it runs, the hub registers its process in the worker registry as kind `server`, which is what
 * makes workers and clients publish events at all (see client/publisher.ts), and prunes events older
 * than the retention (default 1 h): that is how far back Last-Event-ID can resume.
 */
import { hostname } from 'node:os';
import type { Fila } from '../client/fila.js';
import { randomToken } from '../core/ids.js';
import type { StoredEvent, Store } from '../core/store.js';
import { VERSION } from '../version.js';
import { Periodic } from '../worker/periodic.js';

export interface Subscriber {
  matches(event: StoredEvent): boolean;
  send(event: StoredEvent): void;
}

const READ_BATCH = 1000;
const SECOND = 1000;

/** Counts of finished attempts per second over a window, per key. */
export class RecentOutcomes {
  private readonly slots: number;
  private readonly byKey = new Map<string, { second: number[]; completed: number[]; failed: number[] }>();

  constructor(readonly windowMs: number) {
    this.slots = Math.max(1, Math.ceil(windowMs / SECOND));
  }

  record(key: string, kind: 'completed' | 'failed', at: number): void {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = {
        second: new Array(this.slots).fill(-1),
        completed: new Array(this.slots).fill(0),
        failed: new Array(this.slots).fill(0),
      };
      this.byKey.set(key, entry);
    }
    const second = Math.floor(at / SECOND);
    const slot = second % this.slots;
    if (entry.second[slot] !== second) {
      entry.second[slot] = second;
      entry.completed[slot] = 0;
      entry.failed[slot] = 0;
    }
    entry[kind][slot]!++;
  }

  /** Totals over the window for the keys `select` accepts. */
  totals(select: (key: string) => boolean, now = Date.now()): { completed: number; failed: number } {
    const oldest = Math.floor(now / SECOND) - this.slots + 1;
    let completed = 0;
    let failed = 0;
    for (const [key, entry] of this.byKey) {
      if (!select(key)) continue;
      for (let i = 0; i < this.slots; i++) {
        if (entry.second[i]! >= oldest) {
          completed += entry.completed[i]!;
          failed += entry.failed[i]!;
        }
      }
    }
    return { completed, failed };
  }
}

export function outcomeKey(tenant: string | null, queue: string | null): string {
  return `${tenant ?? ''}\u0000${queue ?? ''}`;
}

export interface HubOptions {
  /** How long events are kept in the store (how far back Last-Event-ID resumes). Default 1 h. */
  retentionMs?: number;
  /** Window for recent throughput and failure rates. Default 5 min. */
  windowMs?: number;
  /** Called for every event, after subscribers (metrics). */
  observe?: (event: StoredEvent) => void;
  onError?: (error: unknown, during: string) => void;
}

export class EventHub {
  readonly outcomes: RecentOutcomes;
  readonly id = `${hostname()}:${process.pid}:server:${randomToken(3)}`;
  private cursor: string | null = null;
  private readonly subscribers = new Set<Subscriber>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private unlisten: (() => void) | undefined;
  private poll: NodeJS.Timeout | undefined;
  private registrar: Periodic | undefined;
  private pruner: Periodic | undefined;
  private started: Promise<void> | undefined;
  private store: Store | undefined;
  private readonly retentionMs: number;
  private startedAt = 0;

  constructor(
    private readonly fila: Fila,
    private readonly options: HubOptions = {},
  ) {
    this.outcomes = new RecentOutcomes(options.windowMs ?? 5 * 60_000);
    this.retentionMs = options.retentionMs ?? 3_600_000;
  }

  /** Starts tailing (once; later calls return the same promise). */
  start(): Promise<void> {
    this.started ??= this.begin();
    return this.started;
  }

  private async begin(): Promise<void> {
    const store = await this.fila.store();
    this.store = store;
    this.startedAt = Date.now();
    // Announce the server first, so events published from now on are written; then start from the head.
    await this.beat();
    this.fila.publisher.setWanted(true);
    this.cursor = await store.eventHead();
    this.registrar = new Periodic(5000, () => this.beat(), 0.1);
    this.registrar.start();
    this.pruner = new Periodic(60_000, () => this.prune());
    this.pruner.start(true);
    this.unlisten = store.eventListen(() => void this.pump());
    this.poll = setInterval(() => void this.pump(), 1000);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => {});
    this.unlisten?.();
    clearInterval(this.poll);
    await Promise.all([this.registrar?.stop(), this.pruner?.stop()]);
    await this.pumping;
    await this.store?.workerRemove({ id: this.id }).catch(() => {});
  }

  /**
   * Adds a subscriber. With `after` (an event id), retained events after it are replayed first; events
   * the tail dispatches meanwhile are held and delivered after the replay. The tail dispatches only
   * events after its cursor, and the replay stops at that cursor as it was on subscribing, so nothing is
   * missed or sent twice.
   */
  async subscribe(subscriber: Subscriber, after?: string | null): Promise<() => void> {
    await this.start();
    if (after === undefined || after === null || after === this.cursor) {
      this.subscribers.add(subscriber);
      return () => this.subscribers.delete(subscriber);
    }
    const upTo = this.cursor;
    const held: StoredEvent[] = [];
    const holder: Subscriber = { matches: subscriber.matches, send: (e) => void held.push(e) };
    this.subscribers.add(holder);
    try {
      let from: string | null = after;
      replay: for (;;) {
        const page = await this.store!.eventRead({ after: from, limit: READ_BATCH });
        for (const e of page.events) {
          if (subscriber.matches(e)) subscriber.send(e);
          if (e.id === upTo) break replay;
        }
        if (page.events.length < READ_BATCH) break;
        from = page.cursor;
      }
    } finally {
      this.subscribers.delete(holder);
    }
    for (const e of held) subscriber.send(e);
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Reads everything new and dispatches it; concurrent calls coalesce into one more pass. */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        try {
          for (;;) {
            const page = await this.store!.eventRead({ after: this.cursor, limit: READ_BATCH });
            for (const e of page.events) this.dispatch(e);
            this.cursor = page.cursor;
            if (page.events.length < READ_BATCH) break;
          }
        } catch (e) {
          this.options.onError?.(e, 'event tail');
        }
      } while (this.again);
    })().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private dispatch(event: StoredEvent): void {
    if (event.type === 'job:complete')
      this.outcomes.record(outcomeKey(event.tenant, event.queue), 'completed', event.at);
    else if (event.type === 'job:fail' || event.type === 'job:retry') {
      this.outcomes.record(outcomeKey(event.tenant, event.queue), 'failed', event.at);
    }
    for (const s of this.subscribers) {
      try {
        if (s.matches(event)) s.send(event);
      } catch (e) {
        this.options.onError?.(e, 'event subscriber');
      }
    }
    this.options.observe?.(event);
  }

  private async beat(): Promise<void> {
    try {
      await this.store!.workerBeat({
        worker: {
          id: this.id,
          kind: 'server',
          host: hostname(),
          pid: process.pid,
          queues: [],
          concurrency: 0,
          activeJobs: [],
          startedAt: this.startedAt,
          version: VERSION,
        },
        ttlMs: 15_000,
      });
    } catch (e) {
      this.options.onError?.(e, 'registry');
    }
  }

  private async prune(): Promise<void> {
    try {
      await this.store!.eventPrune({ olderThanMs: this.retentionMs });
    } catch (e) {
      this.options.onError?.(e, 'event prune');
    }
  }
}
