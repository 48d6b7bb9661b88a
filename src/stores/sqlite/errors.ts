/** How the SQLite store tells a busy database from a failure, and maps native errors onto Fila's. */
import { FilaError, StoreUnavailableError } from '../../core/errors.js';

export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const UNAVAILABLE = [
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_PERM',
];

/** Maps native errors onto Fila's; Fila's own pass through. */
export function mapError(e: unknown, context?: string): FilaError {
  if (e instanceof FilaError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = (e as Error | null)?.message ?? String(e);
  const prefix = context ? `${context}: ` : 'SQLite: ';
  if (e instanceof TypeError && /not open/.test(message))
    return new StoreUnavailableError('the store is closed', { cause: e });
  if (typeof code === 'string' && UNAVAILABLE.some((c) => code.startsWith(c))) {
    return new StoreUnavailableError(`${prefix}${message}`, { cause: e });
  }
  if (context) return new StoreUnavailableError(`${prefix}${message}`, { cause: e });
  return new FilaError('store_error', `${prefix}${message}`, { cause: e });
}
