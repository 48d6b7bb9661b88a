import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, normalizeBackoff } from '../../src/core/backoff.js';

describe('backoff', () => {
  it('fixed waits the same each time', () => {
    const policy = normalizeBackoff({ type: 'fixed', delay: '2s' });
    expect([1, 2, 5].map((a) => backoffDelay(policy, a))).toEqual([2000, 2000, 2000]);
  });

  it('exponential grows by the factor and stops at the cap', () => {
    const policy = normalizeBackoff({ type: 'exponential', delay: '1s', factor: 3, maxDelay: '20s' });
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a))).toEqual([1000, 3000, 9000, 20_000, 20_000]);
  });

  it('exponential from a zero delay stays zero, even past the factor overflowing', () => {
    const policy = normalizeBackoff({ type: 'exponential', delay: 0, factor: 2, maxDelay: '1m' });
    expect([1, 2, 1100, 5000].map((a) => backoffDelay(policy, a))).toEqual([0, 0, 0, 0]);
    const growing = normalizeBackoff({ type: 'exponential', delay: 1, factor: 2, maxDelay: '1m' });
    expect(backoffDelay(growing, 5000, () => 0)).toBe(60_000);
  });

  it('jitter shortens each delay by a random fraction up to `jitter`', () => {
    const policy = normalizeBackoff({ type: 'fixed', delay: 1000, jitter: 0.5 });
    expect(backoffDelay(policy, 1, () => 0)).toBe(1000);
    expect(backoffDelay(policy, 1, () => 1)).toBe(500);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(750);
  });

  it('the default is exponential from 1 s, capped at 1 h, with 25% jitter', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 1, () => 0)).toBe(1000);
    expect(backoffDelay(DEFAULT_BACKOFF, 4, () => 0)).toBe(8000);
    expect(backoffDelay(DEFAULT_BACKOFF, 30, () => 0)).toBe(3_600_000);
    expect(backoffDelay(DEFAULT_BACKOFF, 1, () => 1)).toBe(750);
  });

  it('refuses malformed policies with a message naming the field', () => {
    expect(() => normalizeBackoff({ type: 'linear' } as never)).toThrow(/backoff.type/);
    expect(() => normalizeBackoff({ type: 'fixed', delay: 'x' })).toThrow(/backoff.delay/);
    expect(() => normalizeBackoff({ type: 'fixed', delay: 1, jitter: 2 })).toThrow(/backoff.jitter/);
    expect(() => normalizeBackoff({ type: 'exponential', delay: 1, factor: 0.5 })).toThrow(/backoff.factor/);
    expect(() => normalizeBackoff({ type: 'exponential', delay: '1m', maxDelay: '1s' })).toThrow(
      /backoff.maxDelay/,
    );
  });
});
