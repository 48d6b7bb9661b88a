/**
 * The server's view of the shared event log. One tail per server process reads new events (woken by
 * the store's `eventListen`, with a 1 s poll behind it) and hands each one to:
 *   - SSE subscribers whose filter matches (a subscriber can first replay up to 10,000 retained events
 *     after an id, for Last-Event-ID; replay and live events meet without gap or overlap, see
 *     `subscribe`);
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
import { ApiError } from './errors.js';

export interface Subscriber {
  matches(event: StoredEvent): boolean;
  send(event: StoredEvent): void;
}

const READ_BATCH = 1000;
/**
 * The most events a resume (Last-Event-ID) may replay. It bounds what one reconnect costs the store and
 * the server whatever its filter matches: 10 reads of 1,000 events. A client further behind must start
 * afresh, and read the current state from the REST API.
 */
export const MAX_REPLAY = 10_000;
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

function replayTooLong(after: string): ApiError {
  return new ApiError(
    'replay_too_long',
    `more than ${MAX_REPLAY} events followed event ${JSON.stringify(after.slice(0, 40))}: too far behind to ` +
      'resume; reconnect without Last-Event-ID or ?after= (and read the current state from the REST API)',
  );
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

  /** How many subscribers the tail is feeding (open streams). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Adds a subscriber. With `after` (an event id), the events after it are first read from the store and
   * sent, until the replay reaches the event the tail last dispatched; the subscriber joins the tail at
   * that moment, so nothing is missed or sent twice. The hub holds nothing for it meanwhile: events that
   * arrive during the replay are read by the replay itself. When the replay is ahead of the tail (its
   * newest events are not dispatched yet), it waits for a tail pass and goes on.
   *
   * A replay reads at most `MAX_REPLAY` events; a subscriber further behind gets `replay_too_long`
   * (HTTP 410) before anything was sent.
   */
  async subscribe(subscriber: Subscriber, after?: string | null): Promise<() => void> {
    await this.start();
    const join = () => {
      this.subscribers.add(subscriber);
      return () => void this.subscribers.delete(subscriber);
    };
    if (after === undefined || after === null) return join();
    let position = after;
    let replayed = 0;
    // Whether a whole tail pass has run since the replay last found events.
    let tailPassed = false;
    for (;;) {
      if (position === this.cursor) return join();
      const page = await this.store!.eventRead({
        after: position,
        limit: Math.min(READ_BATCH, MAX_REPLAY + 1 - replayed),
      });
      for (const e of page.events) {
        if (++replayed > MAX_REPLAY) throw replayTooLong(after);
        if (subscriber.matches(e)) subscriber.send(e);
        position = e.id;
        // The tail dispatches a page and moves its cursor in one synchronous step, so this is exact.
        if (position === this.cursor) return join();
      }
      if (page.events.length > 0) tailPassed = false;
      else if (tailPassed) {
        // A whole tail pass ran since the last read, which read every event there was then, yet the tail
        // is not at `position` and nothing follows `position`: it is not an event of this log (such as
        // an id from before the store was reset). Follow the tail from where it is.
        return join();
      }
      if (page.events.length < READ_BATCH) {
        // At the end of the log, ahead of the tail: let it catch up.
        await this.pump();
        tailPassed = true;
      }
    }
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
