import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.js';
import { ValidationError } from '../../src/core/errors.js';

describe('parseDuration', () => {
  it('accepts milliseconds and strings with a unit', () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
  });

  it('refuses anything else, naming the option', () => {
    for (const bad of ['soon', '5 minutes', '-3s', '1y', '', 's', -1, Number.NaN, Infinity, '999999w']) {
      expect(() => parseDuration(bad as never, 'delay')).toThrow(ValidationError);
      expect(() => parseDuration(bad as never, 'delay')).toThrow(/^delay: /);
    }
    expect(() => parseDuration({} as never, 'lease')).toThrow(/lease: expected a duration/);
  });

  it('formats durations for people', () => {
    expect(formatDuration(12)).toBe('12ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(90_061_000)).toBe('1d1h');
  });
});
