/**
 * Server-sent event streams over the event hub. Each event is sent as
 *   id: <event id>   event: <type, e.g. job:progress>   data: {"id","at","type","jobId","queue","task","tenant","data"}
 *
 * One event often goes to many clients (a thousand browsers watching one import), so its frame is
 * encoded once, as bytes, and the same bytes are written to every client. Under Node (`listen`,
 * `nodeHandler`, or any app served by @hono/node-server) frames are written straight to the socket's
 * response; elsewhere (a bare fetch handler) they go through a web ReadableStream. A client that stops
 * reading is disconnected once 1 MiB is waiting for it, rather than held in memory: it can reconnect
 * with Last-Event-ID. One shared timer writes a comment every 15 s to keep proxies from closing idle
 * streams.
 *
 * A per-job stream (`job` given) first sends the job as it is (`event: job`) and ends once the job
 * reaches a final state. It subscribes before reading that snapshot and holds the events in between,
 * so a job that ends meanwhile still ends the stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { Fila } from '../client/fila.js';
import { isTerminalState, jobToJSON, type Job } from '../core/job.js';
import type { StoredEvent } from '../core/store.js';
import type { EventHub } from './hub.js';

const FINAL = new Set(['job:complete', 'job:fail', 'job:cancel', 'job:remove']);
const KEEPALIVE_MS = 15_000;
/** Bytes (Node) or frames (web streams) allowed to wait for a client before it is disconnected. */
const MAX_WAITING_BYTES = 1024 * 1024;
const MAX_WAITING_FRAMES = 2000;
const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};
const encoder = new TextEncoder();
/** Sets the browser's reconnect delay; also gets the headers and first bytes through buffering proxies. */
const OPENING = encoder.encode('retry: 2000\n\n');
const KEEPALIVE = encoder.encode(': keepalive\n\n');
const frames = new WeakMap<StoredEvent, Uint8Array>();

function frame(e: StoredEvent): Uint8Array {
  let bytes = frames.get(e);
  if (bytes === undefined) {
    const data = JSON.stringify({
      id: e.id,
      at: new Date(e.at).toISOString(),
      type: e.type,
      jobId: e.jobId,
      queue: e.queue,
      task: e.task,
      tenant: e.tenant,
      data: e.data,
    });
    bytes = encoder.encode(`id: ${e.id}\nevent: ${e.type}\ndata: ${data}\n\n`);
    frames.set(e, bytes);
  }
  return bytes;
}

/** Where a stream's bytes go. `write` returns false when the client is too far behind. */
interface Sink {
  write(bytes: Uint8Array): boolean;
  end(): void;
}

const open = new Set<Sink>();
let keepalive: NodeJS.Timeout | undefined;

function track(sink: Sink): void {
  open.add(sink);
  if (!keepalive) {
    keepalive = setInterval(() => {
      for (const s of open) if (!s.write(KEEPALIVE)) s.end();
    }, KEEPALIVE_MS);
    keepalive.unref();
  }
}

function untrack(sink: Sink): void {
  open.delete(sink);
  if (open.size === 0 && keepalive) {
    clearInterval(keepalive);
    keepalive = undefined;
  }
}

/** The Node response under the request, when the app is served by @hono/node-server. */
function nodeResponse(c: Context): ServerResponse | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  const res = env?.outgoing;
  return res && typeof res.writeHead === 'function' && typeof res.write === 'function' ? res : undefined;
}

function nodeSink(res: ServerResponse, onClose: () => void): Sink {
  res.writeHead(200, HEADERS);
  res.on('close', onClose);
  return {
    write(bytes) {
      if (res.writableEnded || res.destroyed) return false;
      if (res.writableLength > MAX_WAITING_BYTES) return false;
      res.write(bytes);
      return true;
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}

function webSink(onClose: () => void): { sink: Sink; body: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      onClose();
    },
  });
  const sink: Sink = {
    write(bytes) {
      if (closed) return false;
      if ((controller.desiredSize ?? 0) < -MAX_WAITING_FRAMES) return false;
      controller.enqueue(bytes);
      return true;
    },
    end() {
      if (closed) return;
      closed = true;
      controller.close();
      onClose();
    },
  };
  return { sink, body };
}

export interface StreamOptions {
  matches(event: StoredEvent): boolean;
  /** Resume after this event id. */
  after?: string | undefined;
  /** A per-job stream: the job, and the client to read it again after subscribing. */
  job?: Job;
  fila?: Fila;
}

/**
 * Subscribes first, so a bad `after` answers 400 before any stream starts, then streams. Events that
 * arrive before the stream is ready (and, for a per-job stream, before its snapshot is read) are held
 * and sent in order.
 */
export async function streamEvents(c: Context, hub: EventHub, options: StreamOptions): Promise<Response> {
  let held: StoredEvent[] | null = [];
  let send: (e: StoredEvent) => void = () => {};
  const unsubscribe = await hub.subscribe(
    {
      matches: options.matches,
      send: (e) => {
        if (held) held.push(e);
        else send(e);
      },
    },
    options.after ?? null,
  );
  let job: Job | undefined;
  try {
    if (options.job) job = (options.fila && (await options.fila.getJob(options.job.id))) || options.job;
  } catch (e) {
    unsubscribe();
    throw e;
  }

  let finished = false;
  let sink: Sink;
  const close = () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    untrack(sink);
    sink.end();
  };
  const res = nodeResponse(c);
  let response: Response;
  if (res) {
    sink = nodeSink(res, close);
    // Tells @hono/node-server that the response was written directly.
    response = new Response(null, { headers: { 'x-hono-already-sent': 'true' } });
  } else {
    const web = webSink(close);
    sink = web.sink;
    response = new Response(web.body, { status: 200, headers: HEADERS });
  }
  track(sink);
  send = (e) => {
    if (finished) return;
    if (!sink.write(frame(e))) return close();
    // Ending a response costs more than a write: with many clients on one job, the final event reaches
    // all of them first, and the streams end after.
    if (job && FINAL.has(e.type)) setImmediate(close);
  };

  sink.write(OPENING);
  if (job && !options.after) {
    sink.write(encoder.encode(`event: job\ndata: ${JSON.stringify(jobToJSON(job))}\n\n`));
  }
  const pending = held;
  held = null;
  // A job that had already ended when its snapshot was read: the snapshot says everything, and events
  // still on their way to this server (such as that job's own completion) would only repeat it.
  const ended = job !== undefined && isTerminalState(job.state);
  if (!ended || options.after) for (const e of pending) send(e);
  if (ended) close();
  return response;
}
