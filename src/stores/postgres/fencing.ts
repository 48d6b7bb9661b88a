/**
 * Fenced batches: the leases of a batch with their parsed tokens (`<nonce>.<seq>.<id>`), sent to a statement
 * as arrays, and the statement's rows matched back to them by token and seq. A lease that matched no
 * row was stale: nothing was changed for it.
 */
import type { FinishResult, LeaseRef } from '../../core/store.js';
import { parseLeaseToken } from '../shared.js';
import { num } from './rows.js';

export interface FencedLease {
  id: string;
  token: string;
  seq: number;
  nonce: string;
  /** `<nonce>.<seq>`, to match rows returned by a statement. */
  key: string;
}

/** The leases of a batch with their parsed tokens, and the statement's array parameters. */
export function fenced(items: LeaseRef[]): { leases: FencedLease[]; seqs: number[]; tokens: string[] } {
  const leases: FencedLease[] = new Array(items.length);
  const seqs: number[] = new Array(items.length);
  const tokens: string[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const parsed = parseLeaseToken(item.token, item.id);
    // A malformed token, or one issued for another job, matches no row (seq 0 does not exist): reported lost.
    const seq = parsed?.seq ?? 0;
    const nonce = parsed?.nonce ?? '';
    leases[i] = { id: item.id, token: item.token, seq, nonce, key: `${nonce}.${seq}` };
    seqs[i] = seq;
    tokens[i] = nonce;
  }
  return { leases, seqs, tokens };
}

export interface FencedRow {
  seq: number;
  token: string;
  state: string;
}

/** Matches a fenced statement's rows ([seq, token, state, runAt]) to the batch's leases. */
export function finished(leases: FencedLease[], rows: [number, string, string, number][]): FinishResult {
  const byKey = new Map<string, [number, string, string, number]>();
  for (const r of rows) byKey.set(`${r[1]}.${num(r[0])}`, r);
  const out: FinishResult = { done: [], lost: [] };
  for (const lease of leases) {
    const row = byKey.get(lease.key);
    if (row) {
      byKey.delete(lease.key); // a lease repeated in one batch is done once
      out.done.push({ id: lease.id, token: lease.token, state: row[2] as never, runAt: num(row[3]) });
    } else out.lost.push({ id: lease.id, token: lease.token });
  }
  return out;
}

/**
 * Matches complete-and-claim's result to the batch's leases: `positions` are the 1-based indexes of the
 * leases done, negated for a job that ended `cancelled`; all of them finished at `now`. The statement
 * updates a row at most once, so a lease repeated in one batch is done once.
 */
export function finishedAt(leases: FencedLease[], positions: number[], now: number): FinishResult {
  const state = new Int8Array(leases.length); // 0 lost, 1 completed, 2 cancelled
  for (const p of positions) state[Math.abs(p) - 1] = p > 0 ? 1 : 2;
  const out: FinishResult = { done: [], lost: [] };
  for (let i = 0; i < leases.length; i++) {
    const lease = leases[i]!;
    const s = state[i];
    if (s === 0) out.lost.push({ id: lease.id, token: lease.token });
    else
      out.done.push({
        id: lease.id,
        token: lease.token,
        state: s === 1 ? 'completed' : 'cancelled',
        runAt: now,
      });
  }
  return out;
}
