/**
 * PostgreSQL store URLs: a libpq-style connection URL plus Fila's own parameters, which are taken out
 * before the rest is handed to the driver (so `sslmode=…`, `application_name=…` and the like still work):
 *
 *   postgres://user:pass@host:5432/db?schema=fila&pool=10&prepare=true&connectTimeoutMs=10000
 *
 *   schema            schema holding Fila's tables (default `fila`); several apps can share a database
 *   pool              most connections the store opens for queries (default 10); LISTEN uses one more
 *   prepare           use named prepared statements (default true); `false` for poolers that cannot
 *                     track them (PgBouncer in transaction mode before 1.21, or max_prepared_statements=0)
 *   connectTimeoutMs  how long a call waits for a connection before StoreUnavailableError (default 10 s)
 *   queryTimeoutMs    how long a statement may go unanswered before it fails with StoreUnavailableError
 *                     and its connection is dropped (default 60 s; guards against silently dead peers)
 *   listenHost, listenPort  where the LISTEN connection goes, when not where the pool goes (e.g. the
 *                     server itself, while queries go through a transaction-mode PgBouncer)
 *   poolMaxUses       close a pooled connection after this many uses (default: never); 1 gives every
 *                     statement a fresh server session, as a transaction-mode pooler may (for tests)
 *   channel_binding   libpq's name, kept so that URLs copied from a provider work: prefer or require
 *                     turn on SCRAM channel binding (the driver uses it when the server offers it over
 *                     TLS; it has no way to insist), disable leaves it off
 *
 * Any other parameter must be one the driver reads (DRIVER_PARAMS): the driver would silently ignore the
 * rest, so a misspelt `schema` would put an application's jobs in the default schema.
 */
import { ValidationError } from '../../core/errors.js';

export interface PostgresStoreOptions {
  /** Connection string for the driver, without Fila's parameters. */
  connectionString: string;
  /** Connection string for the LISTEN connection. Default: `connectionString`. */
  listenConnectionString?: string;
  /** Schema holding Fila's tables. Default `fila`. */
  schema?: string;
  /** Most connections in the query pool. Default 10. */
  poolSize?: number;
  /** Named prepared statements. Default true. */
  prepare?: boolean;
  /** How long to wait for a connection before failing with StoreUnavailableError. Default 10,000 ms. */
  connectTimeoutMs?: number;
  /** How long a statement may go unanswered before it fails (its connection is dropped). Default 60,000 ms. */
  queryTimeoutMs?: number;
  /** Close a pooled connection after this many uses. Default: never. */
  poolMaxUses?: number;
  /** SCRAM channel binding when the server offers it (`channel_binding=prefer|require`). Default false. */
  channelBinding?: boolean;
  /** Apply pending migrations when opening. Default true. */
  migrate?: boolean;
}

const SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const FILA_PARAMS =
  'schema, pool, prepare, connectTimeoutMs, queryTimeoutMs, listenHost, listenPort, poolMaxUses, channel_binding';

/**
 * URL parameters that the driver (pg and pg-connection-string) reads from a postgres:// URL and that do
 * what they say here; it ignores any other. Not here: `binary` (read only from the driver's options, and
 * it would break Fila's parsing), `db` and `encoding` (read only from socket: URLs), and those in INSTEAD.
 */
const DRIVER_PARAMS = new Set([
  'host',
  'port',
  'user',
  'options',
  'application_name',
  'fallback_application_name',
  'ssl',
  'sslmode',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslnegotiation',
  'uselibpqcompat',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
]);

/** Parameters that Fila refuses, each with why and what to use instead. */
const INSTEAD: Record<string, string> = {
  connect_timeout: 'is not read; use connectTimeoutMs (milliseconds)',
  query_timeout: 'would override queryTimeoutMs; use queryTimeoutMs (milliseconds)',
  connection_limit: 'is not read; use pool',
  pool_timeout: 'is not read; use connectTimeoutMs (milliseconds)',
  pgbouncer: 'is not read; behind PgBouncer in transaction mode before 1.21, use prepare=false',
  // The driver reads these, but they would do harm here.
  database: 'is not read from a postgres:// URL; put the database in the path (postgres://host/db)',
  password: 'would be printed in messages; put it before the host (postgres://user:password@host/db)',
  replication: "is not supported: Fila's statements cannot run on a replication connection",
};

export function checkSchemaName(schema: string): string {
  if (!SCHEMA.test(schema)) {
    throw new ValidationError(
      `schema: ${JSON.stringify(schema)} is not a valid schema name (letters, digits and _, not starting with a digit, at most 63)`,
    );
  }
  return schema;
}

/** A store URL with its password hidden, for messages (every store's: the CLI prints them as `redact`). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/:]*):[^@/]*@/, '//$1:***@');
}

export function parsePostgresUrl(url: string): PostgresStoreOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`store URL ${JSON.stringify(redactUrl(url))}: not a valid URL`);
  }
  const options: PostgresStoreOptions = { connectionString: '' };
  let listenHost: string | undefined;
  let listenPort: string | undefined;
  const bad = (key: string, value: string, expected: string) =>
    new ValidationError(`store URL: invalid ${key}=${JSON.stringify(value)} (expected ${expected})`);
  const seen = new Set<string>();
  for (const [key, value] of [...parsed.searchParams]) {
    if (seen.has(key)) throw new ValidationError(`store URL: parameter ${key} given twice`);
    seen.add(key);
    if (key === 'schema') options.schema = checkSchemaName(value);
    else if (key === 'pool') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000)
        throw bad(key, value, 'an integer from 1 to 1000');
      options.poolSize = Number(value);
    } else if (key === 'prepare') {
      if (value !== 'true' && value !== 'false') throw bad(key, value, 'true or false');
      options.prepare = value === 'true';
    } else if (key === 'connectTimeoutMs') {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw bad(key, value, 'a positive integer');
      options.connectTimeoutMs = Number(value);
    } else if (key === 'queryTimeoutMs') {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw bad(key, value, 'a positive integer');
      options.queryTimeoutMs = Number(value);
    } else if (key === 'listenHost') {
      if (!/^[A-Za-z0-9.:[\]_-]+$/.test(value)) throw bad(key, value, 'a host name or address');
      listenHost = value;
    } else if (key === 'listenPort') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535)
        throw bad(key, value, 'a port number');
      listenPort = value;
    } else if (key === 'poolMaxUses') {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw bad(key, value, 'a positive integer');
      options.poolMaxUses = Number(value);
    } else if (key === 'channel_binding') {
      if (!['disable', 'prefer', 'require'].includes(value))
        throw bad(key, value, 'disable, prefer or require');
      options.channelBinding = value !== 'disable';
    } else if (Object.hasOwn(INSTEAD, key)) {
      throw new ValidationError(`store URL: ${key} ${INSTEAD[key]}`);
    } else if (key === 'client_encoding') {
      // The driver always speaks UTF8 and would ignore any other value.
      if (!/^utf-?8$/i.test(value)) throw bad(key, value, 'UTF8, the only encoding the driver speaks');
      continue;
    } else if (DRIVER_PARAMS.has(key)) continue;
    else {
      throw new ValidationError(
        `store URL: unknown parameter ${JSON.stringify(key.slice(0, 40))} (Fila's: ${FILA_PARAMS}; or one the pg driver reads, such as sslmode or application_name)`,
      );
    }
    parsed.searchParams.delete(key);
  }
  options.connectionString = parsed.toString();
  if (listenHost !== undefined || listenPort !== undefined) {
    const listen = new URL(options.connectionString);
    // A host or port parameter (a socket directory) would win over the URL's own: drop it here.
    if (listenHost !== undefined) {
      listen.hostname = listenHost;
      listen.searchParams.delete('host');
    }
    if (listenPort !== undefined) {
      listen.port = listenPort;
      listen.searchParams.delete('port');
    }
    options.listenConnectionString = listen.toString();
  }
  return options;
}
