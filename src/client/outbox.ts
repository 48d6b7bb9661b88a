/**
 * The outbox pattern, for stores that cannot join an application's transaction (Redis): the application
 * writes each job it wants into an outbox table of its own database, in the same transaction as the data
 * the job is about; an `OutboxRelay` moves committed entries into Fila, then lets the application delete
 * them. A rolled-back transaction leaves no entry, so no job; a committed one leaves an entry that the
 * relay turns into a job, at the latest one `interval` later.
 *
 * Idempotence: each entry is enqueued with the dedup key `outbox:<entry id>` (`outbox:<name>:<entry id>`
 * for a relay given a `name`, or the key the entry names), so a relay that stops between enqueueing a
 * batch and `done` gets the same jobs back on its next run rather than new ones — as long as those jobs
 * have not finished meanwhile, since a key is unique among unfinished jobs only. Outboxes sharing one
 * Fila store need a `name` each: otherwise two entries with the same id (two tables' row 42) would share
 * a key, and the second would be taken for the first. `dedup: 'reject'` acts as `ignore` here: the application's transaction has
 * committed, so there is no caller left to refuse.
 *
 * Entries the store refuses as invalid (an unknown task, a payload failing its schema) would block the
 * outbox for good: they go to `source.rejected` when the application provides it, and otherwise stop the
 * relay with the error (reported through `onError`) until someone fixes them. Any other error (the
 * store unreachable, the Fila client closed) leaves every entry where it is, for the next run.
 */
import { isUserError } from '../core/errors.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { checkName } from '../core/validate.js';
import type { EnqueueOptions } from './enqueue.js';
import type { Fila } from './fila.js';

/** One pending job in the application's outbox. */
export interface OutboxEntry {
  /** The entry's id in the outbox, unique and stable (e.g. the row's primary key). */
  id: string;
  task: string;
  payload?: unknown;
  options?: Omit<EnqueueOptions, 'tx'>;
}

/** Access to the application's outbox table. */
export interface OutboxSource {
  /** Up to `limit` committed entries, oldest first. */
  take(limit: number): Promise<OutboxEntry[]>;
  /** The jobs of these entries now exist in Fila: delete (or mark) the entries. */
  done(ids: string[]): Promise<void>;
  /** Entries Fila refuses as invalid: move them aside (they are not retried). */
  rejected?(entries: { entry: OutboxEntry; error: Error }[]): Promise<void>;
}

export interface OutboxRelayOptions {
  /** This outbox's name, part of its entries' dedup keys: needed when several outboxes share a store. */
  name?: string;
  /** Entries per enqueue call. Default 100. */
  batch?: number;
  /** How often `start()` looks at the outbox, ± 20%. Default 1 s. */
  interval?: Duration;
  /** Called with errors of background runs (a failing run is tried again on the next interval). */
  onError?(error: unknown): void;
}

export class OutboxRelay {
  private readonly batch: number;
  private readonly keyPrefix: string;
  private readonly intervalMs: number;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<void> | undefined;

  constructor(
    private readonly fila: Fila,
    private readonly source: OutboxSource,
    options: OutboxRelayOptions = {},
  ) {
    this.batch = options.batch ?? 100;
    this.keyPrefix = options.name === undefined ? 'outbox:' : `outbox:${checkName(options.name, 'name')}:`;
    this.onError = options.onError ?? (() => {});
    this.intervalMs = parseDuration(options.interval ?? 1000, 'interval');
  }

  /** Moves entries into Fila until the outbox is empty; resolves to how many were moved. */
  async relay(): Promise<number> {
    let moved = 0;
    for (;;) {
      const entries = await this.source.take(this.batch);
      if (entries.length === 0) return moved;
      const accepted = await this.enqueue(entries);
      if (accepted.length) await this.source.done(accepted.map((e) => e.id));
      moved += accepted.length;
      if (entries.length < this.batch) return moved;
    }
  }

  /** Relays now and then every `interval` (± 20%), until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops relaying; resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  private tick(): void {
    this.current = this.relay().then(
      () => undefined,
      (e: unknown) => {
        try {
          this.onError(e);
        } catch {
          // A throwing onError must not stop the relay.
        }
      },
    );
    void this.current.then(() => {
      this.current = undefined;
      if (!this.running) return;
      this.timer = setTimeout(() => this.tick(), this.intervalMs * (0.8 + Math.random() * 0.4));
      this.timer.unref();
    });
  }

  /** Enqueues a batch; when it holds invalid entries, sorts them out one by one. Returns the accepted ones. */
  private async enqueue(entries: OutboxEntry[]): Promise<OutboxEntry[]> {
    try {
      await this.fila.enqueueMany(entries.map((e) => this.item(e)));
      return entries;
    } catch (e) {
      if (!isUserError(e)) throw e;
    }
    const accepted: OutboxEntry[] = [];
    const refused: { entry: OutboxEntry; error: Error }[] = [];
    for (const entry of entries) {
      try {
        await this.fila.enqueueMany([this.item(entry)]);
        accepted.push(entry);
      } catch (e) {
        if (!isUserError(e)) throw e;
        refused.push({ entry, error: e as Error });
      }
    }
    if (refused.length) {
      if (!this.source.rejected) {
        if (accepted.length) await this.source.done(accepted.map((a) => a.id));
        throw refused[0]!.error;
      }
      await this.source.rejected(refused);
    }
    return accepted;
  }

  private item(entry: OutboxEntry) {
    const options = { ...entry.options };
    options.key ??= `${this.keyPrefix}${entry.id}`;
    if (options.dedup === 'reject') options.dedup = 'ignore';
    return { task: entry.task, payload: entry.payload, options };
  }
}
