/** How the PostgreSQL store maps driver and server errors onto Fila's. */
import { FilaError, StoreUnavailableError, ValidationError } from '../../core/errors.js';

/** SQLSTATE classes and codes that mean the server cannot be used right now. */
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58'];
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // A Unix socket whose server is not running.
  'ENOENT',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed|connection is closed|not queryable|Query read timeout/i;

/** Deadlocks and serialization failures: nothing was applied, the statement can simply run again. */
export function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

export function isUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  const message = (e as Error | null)?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** Maps native errors onto Fila's; Fila's own pass through. */
export function mapError(e: unknown, context = 'PostgreSQL'): FilaError {
  if (e instanceof FilaError) return e;
  const message = (e as Error | null)?.message ?? String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (isUnavailable(e)) return new StoreUnavailableError(`${context}: ${message}`, { cause: e });
  // Invalid text for a column's type (a malformed id or JSON that slipped past the client): the input's fault.
  if (code === '22P02' || code === '22023')
    return new ValidationError(`${context}: ${message}`, { cause: e });
  return new FilaError('store_error', `${context}: ${message}${code ? ` (SQLSTATE ${String(code)})` : ''}`, {
    cause: e,
  });
}
