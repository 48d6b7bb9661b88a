/**
 * A Fila server on a fresh store for one test file, with tokens for every role (and tenant-scoped
 * ones), plus a minimal SSE reader. The server suites run once per store in serverStores(): SQLite
 * always, PostgreSQL and Redis when their servers are reachable (test/helpers/services.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFila, type Fila } from '../../src/index.js';
import type { Role } from '../../src/core/store.js';
import { createServer, createToken, type FilaServer } from '../../src/server/index.js';
import { dropStore } from '../../src/stores/open.js';
import { POSTGRES_URL, REDIS_URL, unavailable } from '../helpers/services.js';

export type StoreKind = 'sqlite' | 'postgres' | 'redis';

/** The stores whose server suites run here: the stores Fila has, minus unreachable servers. */
const IMPLEMENTED: StoreKind[] = ['sqlite', 'postgres', 'redis'];

export async function serverStores(): Promise<StoreKind[]> {
  const kinds: StoreKind[] = [];
  for (const kind of IMPLEMENTED) {
    if (kind === 'sqlite' || (await unavailable(kind)) === undefined) kinds.push(kind);
  }
  return kinds;
}

/** A fresh, empty namespace on `kind`, and how to delete it. */
function freshStore(kind: StoreKind): { url: string; drop: () => Promise<void> } {
  const tag = `srv_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  if (kind === 'postgres') {
    const url = `${POSTGRES_URL}?schema=fila_${tag}`;
    return { url, drop: () => dropStore(url) };
  }
  if (kind === 'redis') {
    const url = `${REDIS_URL}?prefix=fila_${tag}`;
    return { url, drop: () => dropStore(url) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'fila-server-'));
  return {
    url: `sqlite://${join(dir, 'fila.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ServerFixture {
  url: string;
  storeUrl: string;
  fila: Fila;
  server: FilaServer;
  tokens: Record<Role, string> & { acme: string; acmeAdmin: string; globex: string };
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startServer(kind: StoreKind = 'sqlite'): Promise<ServerFixture> {
  const { url: storeUrl, drop } = freshStore(kind);
  const fila = createFila({ store: storeUrl });
  const store = await fila.store();
  const make = async (role: Role, tenant: string | null = null) =>
    (await createToken(store, { role, tenant })).token;
  const tokens = {
    reader: await make('reader'),
    operator: await make('operator'),
    admin: await make('admin'),
    acme: await make('operator', 'acme'),
    acmeAdmin: await make('admin', 'acme'),
    globex: await make('operator', 'globex'),
  };
  const server = createServer({ fila, onError: (e, during) => console.error('server error', during, e) });
  const { port } = await server.listen({ port: 0 });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    storeUrl,
    fila,
    server,
    tokens,
    call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? tokens.admin : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      return fetch(url + path, { method, headers, body });
    },
    async close() {
      await server.close();
      await fila.close({ grace: 0 });
      await drop();
    },
  };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads an SSE response until `stop(events)` is true, the stream ends, or `timeoutMs` passes; `ended`
 * says whether the server ended it.
 */
export async function readSse(
  response: Response,
  stop: (events: SseEvent[]) => boolean = () => false,
  timeoutMs = 10_000,
): Promise<{ events: SseEvent[]; ended: boolean }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  let ended = false;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    void reader.cancel();
  }, timeoutMs);
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) {
        // A cancelled read also reports done: only the server's end counts.
        ended = !timedOut;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const e: SseEvent = { data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') e.id = value;
          else if (field === 'event') e.event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length || e.event) {
          e.data = data.join('\n');
          events.push(e);
        }
      }
    }
  } finally {
    clearTimeout(deadline);
    if (!ended) await reader.cancel().catch(() => {});
  }
  return { events, ended };
}
