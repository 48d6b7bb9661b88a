/**
 * Whether the PostgreSQL and Redis servers the store suites need are reachable. On a developer machine
 * without them, those suites are skipped and the reason is printed; with FILA_REQUIRE_STORES listing a
 * store (as .ci/run sets it), an unreachable server fails the run instead.
 */
import pg from 'pg';
import { Redis } from 'ioredis';

export const POSTGRES_URL = process.env.FILA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.FILA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

async function probe(kind: 'postgres' | 'redis'): Promise<string | null> {
  try {
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
    } else {
      const client = new Redis(REDIS_URL, {
        lazyConnect: true,
        connectTimeout: 2000,
        maxRetriesPerRequest: 0,
      });
      await client.connect();
      await client.ping();
      client.disconnect();
    }
    return null;
  } catch (e) {
    return `${kind === 'postgres' ? POSTGRES_URL : REDIS_URL} is not reachable (${(e as Error).message})`;
  }
}

/**
 * Resolves to undefined when the server is reachable, or to the reason to skip. Throws when the store
 * is required (FILA_REQUIRE_STORES) but unreachable.
 */
export async function unavailable(kind: 'postgres' | 'redis'): Promise<string | undefined> {
  const reason = await probe(kind);
  if (reason === null) return undefined;
  const required = (process.env.FILA_REQUIRE_STORES ?? '').split(',').map((s) => s.trim());
  if (required.includes(kind)) throw new Error(`${kind} is required (FILA_REQUIRE_STORES) but ${reason}`);
  console.warn(
    `skipping the ${kind} suites: ${reason} (set FILA_REQUIRE_STORES=${kind} to make this an error)`,
  );
  return reason;
}
