/**
 * Wake-ups across processes through LISTEN/NOTIFY, on one dedicated connection per store (outside the
 * query pool: LISTEN is the only session state the store relies on, so the pool itself can sit behind a
 * transaction-mode pooler while this connection goes to the server directly or through a session-mode
 * pool).
 *
 * Payloads are tiny: `j:<queue>` when jobs may be ready in a queue, `e` when events were appended. The
 * server already folds identical notifications of one transaction into one; here every notification
 * received in one turn of the event loop becomes a single call of each interested listener.
 *
 * When the connection drops (server restart, network), it is opened again with a growing, jittered
 * delay (100 ms doubling to 5 s), and every listener is woken once it is back, since notifications sent
 * meanwhile are lost. The worker's jittered poll covers the gap until then.
 */
import pg from 'pg';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  connectTimeoutMs: number;
  /** SCRAM channel binding when the server offers it. */
  channelBinding?: boolean;
  onJobs(): void;
  onEvents(): void;
  /** Reports connection problems (for logs); the listener keeps retrying on its own. */
  onError?(error: unknown): void;
}

export class NotifyListener {
  private client: pg.Client | undefined;
  private running = false;
  private retryDelayMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pendingJobs = false;
  private pendingEvents = false;
  private flushScheduled = false;
  /** Grows on every start and stop: a connection opened for an earlier generation is closed at once. */
  private generation = 0;

  constructor(private readonly options: ListenerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const generation = this.generation;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      enableChannelBinding: this.options.channelBinding === true,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (error) this.options.onError?.(error);
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (generation === this.generation) this.reconnectLater();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => this.received(n.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
    } catch (e) {
      onLost(e);
      return;
    }
    if (!this.running || lost || generation !== this.generation) {
      await client.end().catch(() => {});
      return;
    }
    const wasRetrying = this.retryDelayMs > 0;
    this.client = client;
    this.retryDelayMs = 0;
    // Anything may have happened while nobody listened.
    if (wasRetrying) this.received(undefined);
  }

  private reconnectLater(): void {
    if (!this.running || this.retryTimer) return;
    const generation = this.generation;
    this.retryDelayMs = Math.min(this.retryDelayMs ? this.retryDelayMs * 2 : 100, 5000);
    const delay = this.retryDelayMs * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running && generation === this.generation) void this.connect();
    }, delay);
  }

  /** Records a notification (undefined: wake everyone) and delivers on the next turn of the loop. */
  private received(payload: string | undefined): void {
    if (payload === undefined || payload.startsWith('j:')) this.pendingJobs = true;
    if (payload === undefined || payload === 'e') this.pendingEvents = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const jobs = this.pendingJobs;
      const events = this.pendingEvents;
      this.pendingJobs = this.pendingEvents = false;
      if (jobs) this.options.onJobs();
      if (events) this.options.onEvents();
    });
  }
}
