/**
 * Checks for names and values that cross Fila's boundary (library options, CLI flags, HTTP bodies).
 * Each check throws a ValidationError that names the offending option and says what is accepted,
 * before anything is written.
 */
import { ValidationError } from './errors.js';
import { MAX_PRIORITY, MIN_PRIORITY, PRIORITIES, type Priority } from './job.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const seenNames = new Set<string>();

/** Task, queue and tenant names: 1–128 characters, letters, digits and `_ . : / -`, starting with a letter or digit. */
export function checkName(value: unknown, what: string): string {
  if (typeof value === 'string' && seenNames.has(value)) return value;
  if (typeof value !== 'string' || !NAME.test(value)) {
    const shown =
      typeof value === 'string'
        ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
        : typeof value;
    throw new ValidationError(
      `${what}: invalid name ${shown}; use 1-128 letters, digits or _ . : / -, starting with a letter or digit`,
    );
  }
  if (seenNames.size < 10_000) seenNames.add(value);
  return value;
}

/** Dedup keys: 1–512 characters without control characters. */
export function checkKey(value: unknown, what = 'key'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new ValidationError(`${what}: must be a string of 1-512 characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new ValidationError(`${what}: must not contain control characters`);
  // A lone surrogate cannot be stored as UTF-8: two different keys would become the same one.
  if (/\p{Surrogate}/u.test(value))
    throw new ValidationError(`${what}: must be well-formed Unicode, without a lone surrogate`);
  return value;
}

/**
 * Free text a job produces (error messages and stacks, log lines, progress messages) with each NUL
 * character replaced by U+FFFD: PostgreSQL's text cannot hold NUL, and every store keeps the same text.
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

export function checkPriority(value: unknown, what = 'priority'): number {
  if (typeof value === 'string') {
    const named = (PRIORITIES as Record<string, number>)[value];
    if (named !== undefined) return named;
    if (/^-?\d+$/.test(value)) return checkPriority(Number(value), what);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_PRIORITY && value <= MAX_PRIORITY)
    return value;
  throw new ValidationError(
    `${what}: expected critical, high, normal, low or an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${JSON.stringify(value)}`,
  );
}

export function toPriority(value: Priority | undefined, fallback: number): number {
  return value === undefined ? fallback : checkPriority(value);
}

export function checkInt(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `${what}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Throws unless every key of `options` is one of `allowed`: a misspelt option must not be silently ignored. */
export function checkKnownKeys(options: object, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(options)) {
    if (!allowed.includes(k)) {
      throw new ValidationError(`${what}: unknown option "${k}" (accepted: ${allowed.join(', ')})`);
    }
  }
}

/** An ISO 8601 date, or date and time (with seconds and fraction optional, and an optional offset). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses a date given as a Date, an ISO 8601 string, or milliseconds since the epoch (a number, or a
 * string of digits as a command line or query string gives it). Anything else is refused, not left to
 * Date.parse, which reads "45" as the year 2045.
 */
export function checkDate(value: unknown, what: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string'
        ? /^\d{1,16}$/.test(value)
          ? Number(value)
          : ISO_8601.test(value.trim())
            ? Date.parse(value.trim())
            : NaN
        : typeof value === 'number'
          ? value
          : NaN;
  if (!Number.isFinite(ms)) {
    throw new ValidationError(`${what}: expected a Date, an ISO 8601 string or epoch milliseconds`);
  }
  // Times are stored as integer milliseconds; keep them to years 1970-9999.
  if (ms < 0 || ms > 253_402_300_799_999) throw new ValidationError(`${what}: must be between 1970 and 9999`);
  return Math.round(ms);
}
