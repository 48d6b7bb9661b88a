/**
 * Durations. Internally every duration is a number of milliseconds with the unit in its name
 * (`leaseMs`); user-facing options also accept short strings such as `"500ms"`, `"30s"`, `"5m"`,
 * `"2h"`, `"7d"`, `"1w"`.
 */
import { ValidationError } from './errors.js';

export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** Largest accepted duration: about 100 years, far below where millisecond arithmetic loses precision. */
const MAX_MS = 100 * 365 * 86_400_000;

/**
 * Parses a duration into whole milliseconds.
 * @param what names the option in the error message, e.g. `"delay"`.
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const m = PATTERN.exec(value.trim());
    if (!m) {
      throw new ValidationError(
        `${what}: invalid duration ${JSON.stringify(value)}; use milliseconds or a number with a unit: 500ms, 30s, 5m, 2h, 7d, 1w`,
      );
    }
    ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  } else {
    throw new ValidationError(
      `${what}: expected a duration (milliseconds or a string like "30s"), got ${typeof value}`,
    );
  }
  if (!Number.isFinite(ms) || ms < 0)
    throw new ValidationError(`${what}: must be a non-negative duration, got ${String(value)}`);
  if (ms > MAX_MS) throw new ValidationError(`${what}: ${String(value)} is too long (at most 100 years)`);
  return Math.round(ms);
}

/** The longest delay a timer can wait (Node turns anything longer into 1 ms): about 24.8 days. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Refuses durations a timer cannot wait for (timeouts, intervals, grace periods). */
export function checkTimerMs(ms: number, what: string): number {
  if (ms > MAX_TIMER_MS) throw new ValidationError(`${what}: at most 24 days (${MAX_TIMER_MS} ms)`);
  return ms;
}

/** Formats milliseconds compactly for people: `1500` → `1.5s`, `90000` → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join('');
}
