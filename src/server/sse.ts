/**
 * Server-sent event streams over the event hub. Each event is sent as
 *   id: <event id>   event: <type, e.g. job:progress>   data: {"id","at","type","jobId","queue","task","tenant","data"}
 *
 * One event often goes to many clients (a thousand browsers watching one import), so its frame is
 * encoded once, as bytes, and the same bytes are written to every client. Under Node (`listen`,
 * `nodeHandler`, or any app served by @hono/node-server) frames are written straight to the socket's
 * response; elsewhere (a bare fetch handler) they go through a web ReadableStream. A client that stops
 * reading is dropped once 1 MiB of live events is waiting for it (its connection is destroyed: ending
 * the response would wait for the client to read the backlog, and hold the socket and the bytes
 * meanwhile); it can reconnect with Last-Event-ID. What a resume replays first does not count: the hub
 * bounds it (at most 10,000 events; further back answers 410), and it is written at once. One shared
 * timer writes a comment every 15 s to keep proxies from closing idle streams.
 *
 * Every way a stream ends — the client leaves (even while the handler is still reading the replay or
 * the job), falls behind, the job ends, a keepalive cannot be written — goes through one `stop`, which
 * unsubscribes from the hub: an open subscription always belongs to a live stream.
 *
 * A per-job stream (`job` given) first sends the job as it is (`event: job`) and ends once the job
 * reaches a final state. It subscribes before reading that snapshot and holds the events in between,
 * so a job that ends meanwhile still ends the stream. A resume of a job that has ended, from at or past
 * its final event, answers 204 No Content, which tells a browser's EventSource to stop reconnecting.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import type { Fila } from '../client/fila.js';
import { isJobState, isTerminalState, jobToJSON, type Job } from '../core/job.js';
import type { StoredEvent } from '../core/store.js';
import type { EventHub } from './hub.js';

const FINAL = new Set(['job:complete', 'job:fail', 'job:cancel', 'job:remove']);
const KEEPALIVE_MS = 15_000;
/** Bytes (Node) or frames (web streams) allowed to wait for a client before it is disconnected. */
const MAX_WAITING_BYTES = 1024 * 1024;
const MAX_WAITING_FRAMES = 2000;
/**
 * How long after a job ended its final event may still be on its way to the log: publishers write
 * within about 20 ms (client/publisher.ts), so 2 s is ample. A resume inside that time gets what the
 * log has and the stream ends (the client reconnects once more), rather than a 204 that could make it
 * miss the final event.
 */
const FINAL_EVENT_GRACE_MS = 2000;
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

/**
 * Whether an event ends a per-job stream. Lease rescue reports its outcome as `job:rescue` with the
 * state it moved the job to: back to `queued` (the job goes on), or `failed` / `cancelled` (it ended).
 */
function isFinal(e: StoredEvent): boolean {
  if (FINAL.has(e.type)) return true;
  const state = e.type === 'job:rescue' ? e.data?.state : undefined;
  return isJobState(state) && isTerminalState(state);
}

/** Where a stream's bytes go. */
interface Sink {
  /** How much is waiting for the client: bytes (Node) or frames (web streams). */
  waiting(): number;
  /** Queues bytes; false when the client is gone. */
  write(bytes: Uint8Array): boolean;
  /** Ends the response after what was written. */
  end(): void;
  /** Drops the connection at once, with whatever was waiting. */
  destroy(): void;
}

/** An open stream, as the keepalive timer sees it. */
interface OpenStream {
  write(bytes: Uint8Array): boolean;
  stop(how: 'end' | 'destroy'): void;
}

const open = new Set<OpenStream>();
let keepalive: NodeJS.Timeout | undefined;

function track(stream: OpenStream): void {
  open.add(stream);
  if (!keepalive) {
    keepalive = setInterval(() => {
      for (const s of open) if (!s.write(KEEPALIVE)) s.stop('destroy');
    }, KEEPALIVE_MS);
    keepalive.unref();
  }
}

function untrack(stream: OpenStream): void {
  open.delete(stream);
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

function nodeSink(res: ServerResponse): Sink {
  res.writeHead(200, HEADERS);
  return {
    waiting: () => res.writableLength,
    write(bytes) {
      if (res.writableEnded || res.destroyed) return false;
      res.write(bytes);
      return true;
    },
    end() {
      if (!res.writableEnded && !res.destroyed) res.end();
    },
    destroy() {
      res.destroy();
    },
  };
}

function webSink(onCancel: () => void): { sink: Sink; body: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      onCancel();
    },
  });
  const sink: Sink = {
    waiting: () => Math.max(0, -(controller.desiredSize ?? 0)),
    write(bytes) {
      if (closed) return false;
      controller.enqueue(bytes);
      return true;
    },
    end() {
      if (closed) return;
      closed = true;
      controller.close();
    },
    destroy() {
      if (closed) return;
      closed = true;
      controller.error(new Error('event stream: the client fell too far behind'));
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
 * Subscribes first, so a bad `after` answers 400 (and one too far back 410) before any stream starts,
 * then streams. Events that arrive before the stream is ready (and, for a per-job stream, before its
 * snapshot is read) are held and sent in order.
 */
export async function streamEvents(c: Context, hub: EventHub, options: StreamOptions): Promise<Response> {
  const res = nodeResponse(c);
  const signal = c.req.raw.signal;
  let finished = false;
  let unsubscribe: (() => void) | undefined;
  let sink: Sink | undefined;
  // Set once the stream starts; `stop` can run before that.
  let stream: OpenStream | undefined = undefined;
  const stop = (how: 'end' | 'destroy') => {
    if (finished) return;
    finished = true;
    signal.removeEventListener('abort', left);
    res?.off('close', left);
    unsubscribe?.();
    if (stream) untrack(stream);
    sink?.[how]();
  };
  // A client that left: its connection is closed already (Node), or its reader cancelled (web).
  const left = () => stop('end');
  // Listen before the first wait: the client may leave while the replay or the job is being read.
  signal.addEventListener('abort', left);
  res?.once('close', left);
  if (signal.aborted || res?.destroyed) left();
  // Nobody is listening any more: nothing to answer.
  const gone = () => (res ? RESPONSE_ALREADY_SENT : new Response(null, { status: 499 }));
  if (finished) return gone();

  const held: StoredEvent[] = [];
  let deliver: ((e: StoredEvent) => void) | undefined;
  let job = options.job;
  try {
    const subscription = await hub.subscribe(
      { matches: options.matches, send: (e) => (deliver ? deliver(e) : void held.push(e)) },
      options.after ?? null,
    );
    if (finished) subscription();
    else unsubscribe = subscription;
    if (job && options.fila && !finished) job = (await options.fila.getJob(job.id)) ?? job;
  } catch (e) {
    stop('end');
    throw e;
  }
  if (finished) return gone();

  // A job that had already ended when its snapshot was read.
  const ended = job !== undefined && isTerminalState(job.state);
  if (ended && options.after !== undefined && held.length === 0 && settled(job!)) {
    // Nothing of this job after `after`: the client has seen its end (EventSource stops on 204).
    stop('end');
    return new Response(null, { status: 204 });
  }

  let response: Response;
  if (res) {
    sink = nodeSink(res);
    // Tells @hono/node-server that the response is written directly. (A response made here would be
    // one of the adapter's own, which it writes without looking at that header.)
    response = RESPONSE_ALREADY_SENT;
  } else {
    const web = webSink(left);
    sink = web.sink;
    response = new Response(web.body, { status: 200, headers: HEADERS });
  }
  const out = sink;
  const limit = res ? MAX_WAITING_BYTES : MAX_WAITING_FRAMES;
  // What the opening burst (the replay, up to MAX_REPLAY events) left waiting may wait on top of the
  // limit until the client has read it: a client is dropped for falling behind, not for resuming.
  let allowance = 0;
  let opening = false;
  const write = (bytes: Uint8Array) => {
    if (opening) return out.write(bytes);
    const waiting = out.waiting();
    if (waiting <= limit) allowance = 0;
    return waiting <= limit + allowance && out.write(bytes);
  };
  stream = { write, stop };
  track(stream);
  deliver = (e) => {
    if (finished) return;
    if (!write(frame(e))) return stop('destroy');
    if (job && isFinal(e)) {
      // Nothing follows a final event. Ending a response costs more than a write: with many clients on
      // one job, the final event reaches all of them first, and the streams end after.
      deliver = () => {};
      setImmediate(() => stop('end'));
    }
  };

  out.write(OPENING);
  if (job && options.after === undefined) {
    out.write(encoder.encode(`event: job\ndata: ${JSON.stringify(jobToJSON(job))}\n\n`));
  }
  const pending = held.splice(0);
  // The snapshot of an ended job says everything, and events still on their way to this server (such as
  // that job's own completion) would only repeat it; a resume gets the events it missed.
  if (!ended || options.after !== undefined) {
    opening = true;
    for (const e of pending) deliver(e);
    opening = false;
    allowance = out.waiting();
  }
  if (ended) stop('end');
  return response;
}

/** Whether a job ended long enough ago that its final event is surely in the log. */
function settled(job: Job): boolean {
  return job.finishedAt === null || Date.now() - job.finishedAt.getTime() >= FINAL_EVENT_GRACE_MS;
}
