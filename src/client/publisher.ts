/**
 * Publishes job and queue events to the store's shared event log, where Fila servers read them for
 * their SSE streams, metrics and health.
 *
 * Events are written only while some server consumes them: a server registers itself in the worker
 * registry (kind `server`), and a publisher checks the registry at most every 5 s. Until its first check
 * answers, a publisher holds events rather than dropping them, so a process that starts while a server
 * runs publishes from its first job. Without a server, publishing costs one registry read every 5 s and
 * nothing per job. With one, events go out in at most one append per 20 ms (or per 1,000 events): an
 * event after a quiet spell is written at once, a burst is batched, so a worker running 50,000 jobs/s
 * makes ~50 small writes a second, not 100,000. Events are best effort: if the store refuses an append,
 * that batch is dropped and reported; jobs never wait for their events.
 */
import type { Job } from '../core/job.js';
import type { EventType, NewEvent, Store } from '../core/store.js';

const CHECK_EVERY_MS = 5000;
const FLUSH_AFTER_MS = 20;
const FLUSH_AT = 1000;
const MAX_BUFFER = 20_000;

export class EventPublisher {
  private buffer: NewEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Whether a consumer exists; null until the first registry check answers. */
  private wanted: boolean | null = null;
  private checkedAt = 0;
  private checking: Promise<void> | undefined;
  private closed = false;
  private flushedAt = 0;
  /** Reads of jobs whose events publishJobs will publish. */
  private readonly reading = new Set<Promise<void>>();

  constructor(
    private readonly store: () => Promise<Store>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True while a consumer exists: callers skip building events otherwise. Refreshes itself in the background. */
  get active(): boolean {
    if (!this.closed && Date.now() - this.checkedAt > CHECK_EVERY_MS && !this.checking) void this.check();
    return this.wanted !== false && !this.closed;
  }

  /** Tells the publisher a consumer exists (or not) now, e.g. when a server starts in this process. */
  setWanted(wanted: boolean): void {
    this.wanted = wanted;
    this.checkedAt = Date.now();
  }

  publish(event: NewEvent): void {
    if (!this.active) return;
    if (this.buffer.length >= MAX_BUFFER) this.buffer.shift();
    this.buffer.push(event);
    if (this.buffer.length >= FLUSH_AT) void this.flush();
    else if (!this.timer) {
      // At most one append per 20 ms: an event after a quiet spell goes out at once, a burst waits.
      const wait = Math.max(0, this.flushedAt + FLUSH_AFTER_MS - Date.now());
      this.timer = setTimeout(() => void this.flush(), wait);
      this.timer.unref();
    }
  }

  /** Writes what is buffered. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) await this.flushing;
    if (this.wanted === null) await (this.checking ?? this.check());
    if (!this.wanted) this.buffer = [];
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.flushedAt = Date.now();
    this.flushing = this.store()
      .then((store) => store.eventAppend({ events }))
      .catch((e: unknown) => this.onError(e))
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /**
   * Publishes `type` for each job of `ids` as the store now has it, so that each event names its job's
   * queue, task and tenant (for changes made by id or by filter, where the caller holds only ids). In the
   * background, like every event; a failed read is reported, and close() waits for the reads.
   */
  publishJobs(type: EventType, ids: string[], data: Record<string, unknown> | null = null): void {
    if (!this.active || ids.length === 0) return;
    const reading: Promise<void> = (async () => {
      const store = await this.store();
      for (let i = 0; i < ids.length; i += 1000)
        for (const job of await store.jobGet({ ids: ids.slice(i, i + 1000) }))
          this.publish(jobEvent(type, job, data));
    })()
      .catch((e: unknown) => this.onError(e))
      .finally(() => this.reading.delete(reading));
    this.reading.add(reading);
  }

  async close(): Promise<void> {
    // A short-lived process (the CLI) would otherwise end before the events of its last change.
    await Promise.all(this.reading);
    await this.flush();
    this.closed = true;
  }

  private check(): Promise<void> {
    this.checking = this.store()
      .then((store) => store.workerList())
      .then((workers) => this.setWanted(workers.some((w) => w.kind === 'server')))
      .catch((e: unknown) => {
        this.checkedAt = Date.now();
        this.wanted ??= false;
        this.onError(e);
      })
      .finally(() => (this.checking = undefined));
    return this.checking;
  }
}

/** An event about one job, for the shared log. */
export function jobEvent(type: EventType, job: Job, data: Record<string, unknown> | null): NewEvent {
  return { type, jobId: job.id, queue: job.queue, task: job.task, tenant: job.tenant, data };
}
