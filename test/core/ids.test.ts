import { describe, expect, it } from 'vitest';
import { isJobId, newId } from '../../src/core/ids.js';

describe('job ids', () => {
  it('are UUID v7: unique, opaque and ordered by creation time', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(isJobId)).toBe(true);
    expect(ids.every((id) => id[14] === '7' && '89ab'.includes(id[19]!))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    const ms = parseInt(ids[0]!.slice(0, 8) + ids[0]!.slice(9, 13), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(5000);
  });
});
