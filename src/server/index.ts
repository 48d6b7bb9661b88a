/**
 * `createServer`: Fila's HTTP API over a Fila client. Use it standalone (`listen`), or mount it in an
 * existing app: `fetch` is a standard fetch handler (Hono, Bun, Deno, workers), `nodeHandler` a
 * `(req, res)` listener for node:http, and `middleware(prefix)` a `(req, res, next)` middleware for
 * Express, Connect and the like. Call `start()` before mounting (listen() does it) and `close()` on
 * shutdown.
 */
import '../heap-at-import.js'; // first: see worker/heap.ts
import { getRequestListener } from '@hono/node-server';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fila } from '../client/fila.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';
import { buildApp } from './app.js';
import type { HealthThresholds } from './health.js';
import { EventHub } from './hub.js';
import { ServerMetrics } from './metrics.js';

export interface ServerOptions {
  fila: Fila;
  /** Largest request body. Default 5 MiB. */
  maxBodyBytes?: number;
  /** Health thresholds. Defaults: degraded above 100 stuck jobs, unhealthy above 500, degraded above 50% failures. */
  health?: Partial<HealthThresholds>;
  /** How long events are kept for Last-Event-ID. Default 1 h. */
  eventRetention?: Duration;
  /** Window of recent throughput and failure rates. Default 5 min. */
  window?: Duration;
  /** Called with unexpected errors (500s, event tail failures). Default: none. */
  onError?: (error: unknown, during: string) => void;
}

/** The paths Fila answers besides `/api/...`. */
const FILA_PATHS = new Set(['/healthz', '/metrics', '/openapi.json']);

export class FilaServer {
  readonly app: ReturnType<typeof buildApp>;
  /** A standard fetch handler. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** A node:http request listener. */
  readonly nodeHandler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly hub: EventHub;
  private http: ReturnType<typeof createHttpServer> | undefined;

  constructor(options: ServerOptions) {
    const metrics = new ServerMetrics(options.fila);
    this.hub = new EventHub(options.fila, {
      ...(options.eventRetention === undefined
        ? {}
        : { retentionMs: parseDuration(options.eventRetention, 'eventRetention') }),
      ...(options.window === undefined ? {} : { windowMs: parseDuration(options.window, 'window') }),
      observe: (e) => metrics.observe(e),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.app = buildApp({
      fila: options.fila,
      hub: this.hub,
      metrics,
      maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
      ...(options.health ? { thresholds: options.health } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.fetch = (request) => this.app.fetch(request);
    // The adapter's env carries the Node response, which SSE streams write to directly (see sse.ts).
    this.nodeHandler = getRequestListener((request, env) => this.app.fetch(request, env));
  }

  /**
   * A `(req, res, next)` middleware (Express, Connect…) that answers Fila's paths under `prefix` (e.g.
   * `/fila`: `/fila/api/v1/jobs`) and passes every other request on. Mount it before any body parser:
   * Fila reads request bodies itself.
   */
  middleware(
    prefix = '',
  ): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
    if (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/'))) {
      throw new ValidationError(`prefix: expected "" or a path like "/fila", got ${JSON.stringify(prefix)}`);
    }
    return (req, res, next) => {
      const url = req.url ?? '/';
      if (
        prefix !== '' &&
        !(url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`) || url === prefix)
      ) {
        return next();
      }
      const inner = url.slice(prefix.length) || '/';
      const path = inner.split('?', 1)[0]!;
      if (!(path.startsWith('/api/') || FILA_PATHS.has(path))) return next();
      req.url = inner;
      this.nodeHandler(req, res);
    };
  }

  /** Starts the event tail (and registers this server, which makes workers publish events). */
  start(): Promise<void> {
    return this.hub.start();
  }

  /** Starts and listens; resolves to the bound address. Port 0 picks a free port. */
  async listen(options: { port?: number; host?: string } = {}): Promise<{ port: number; host: string }> {
    await this.start();
    const http = createHttpServer(this.nodeHandler);
    http.keepAliveTimeout = 65_000;
    this.http = http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 4000, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = http.address() as AddressInfo;
    return { port: address.port, host: address.address };
  }

  /** Stops listening (open streams are closed) and the event tail. */
  async close(): Promise<void> {
    if (this.http) {
      const http = this.http;
      this.http = undefined;
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await this.hub.stop();
  }
}

export function createServer(options: ServerOptions): FilaServer {
  return new FilaServer(options);
}

export { createToken } from './auth.js';
export { ROUTES } from './routes.js';
export type { ApiRoute } from './routes.js';
