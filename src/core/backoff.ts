/**
 * Retry delays. A policy is plain data (so it can be stored on the job and survive restarts); a task
 * may instead give a function, which only its workers can run. The delay is computed by the worker and
 * added to the store's clock by the store, so clocks of different hosts never mix.
 */
import type { BackoffPolicy } from './job.js';
import { parseDuration, type Duration } from './duration.js';
import { ValidationError } from './errors.js';

/** Backoff as users write it. */
export type BackoffInput =
  | { type: 'fixed'; delay: Duration; jitter?: number }
  | { type: 'exponential'; delay: Duration; factor?: number; maxDelay?: Duration; jitter?: number };

/** A custom backoff: the delay in milliseconds before the next attempt. */
export type BackoffFunction = (attempt: number, error: unknown) => number;

/** Default when neither job nor task says otherwise: 1 s, 2 s, 4 s, … capped at 1 h, up to 25% earlier at random. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  type: 'exponential',
  delayMs: 1000,
  factor: 2,
  maxDelayMs: 3_600_000,
  jitter: 0.25,
};

export function normalizeBackoff(input: BackoffInput, what = 'backoff'): BackoffPolicy {
  if (input === null || typeof input !== 'object') {
    throw new ValidationError(`${what}: expected { type: 'fixed' | 'exponential', delay, ... }`);
  }
  if (input.type !== 'fixed' && input.type !== 'exponential') {
    throw new ValidationError(
      `${what}.type: expected 'fixed' or 'exponential', got ${JSON.stringify((input as { type?: unknown }).type)}`,
    );
  }
  const jitter = input.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new ValidationError(`${what}.jitter: must be a number from 0 to 1`);
  }
  const delayMs = parseDuration(input.delay, `${what}.delay`);
  if (input.type === 'fixed') {
    return { type: 'fixed', delayMs, factor: 1, maxDelayMs: delayMs, jitter };
  }
  {
    const factor = input.factor ?? 2;
    if (typeof factor !== 'number' || !(factor >= 1 && factor <= 100)) {
      throw new ValidationError(`${what}.factor: must be a number from 1 to 100`);
    }
    const maxDelayMs =
      input.maxDelay === undefined
        ? DEFAULT_BACKOFF.maxDelayMs
        : parseDuration(input.maxDelay, `${what}.maxDelay`);
    if (maxDelayMs < delayMs) throw new ValidationError(`${what}.maxDelay: must not be less than delay`);
    return { type: 'exponential', delayMs, factor, maxDelayMs, jitter };
  }
  throw new ValidationError(
    `${what}.type: expected 'fixed' or 'exponential', got ${JSON.stringify((input as { type?: unknown }).type)}`,
  );
}

/**
 * The delay before the attempt after `attempt` (1-based: after the first failure, `attempt` is 1).
 * @param random injectable for tests; defaults to Math.random.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  // A zero delay stays zero (0 × an overflowed factor would be NaN).
  const raw =
    policy.type === 'fixed' || policy.delayMs === 0
      ? policy.delayMs
      : policy.delayMs * policy.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(raw, policy.maxDelayMs);
  const jittered = capped * (1 - policy.jitter * random());
  return Math.max(0, Math.round(jittered));
}
