/**
 * Claiming, inside the store's write transaction: promote due jobs, skip paused queues, pick the best
 * ready jobs (each queue's best, merged when a worker serves several), read them as one JSON array,
 * lease them by rowid. See claim.sql and claim-rows.sql for the measurements behind each step.
 */
import type Database from 'better-sqlite3';
import type { ClaimParams, ClaimedJob } from '../../core/store.js';
import { claimNonce, leaseToken } from '../shared.js';
import { claimedFromJson, type ClaimedRow } from './rows.js';
import { statements as sql } from './sql.gen.js';
import { limited, prepared } from './statements.js';

type DB = Database.Database;

/** Rows leased by one claim, with the claim's nonce and time. */
export interface ClaimedBatch {
  rows: ClaimedRow[];
  nonce: string;
  now: number;
}

/**
 * The claim itself, inside a write transaction: promote due jobs (when `promote`), skip paused
 * queues, pick the best `limit` ready jobs, read them, lease them.
 */
export function claimNow(db: DB, params: ClaimParams, promote: boolean): ClaimedBatch {
  const now = Date.now();
  const nonce = claimNonce(params);
  if (promote) prepared(db, sql.promoteDue).run({ now, except: '[]', limit: 1000 });
  const paused = prepared(db, sql.pausedQueues).pluck().all() as string[];
  const queues = new Set(params.queues); // a queue named twice is claimed from once
  const open = [...queues].filter((q) => !paused.includes(q));
  if (open.length === 0 || params.limit <= 0) return { rows: [], nonce, now };
  const candidates = prepared(db, limited(sql.candidates, params.limit));
  let picked: { seq: number; priority: number; run_at: number }[];
  if (open.length === 1) {
    picked = candidates.all({ queue: open[0] }) as typeof picked;
  } else {
    picked = [];
    for (const queue of open) picked.push(...(candidates.all({ queue }) as typeof picked));
    picked.sort(byClaimOrder);
    picked.length = Math.min(picked.length, params.limit);
  }
  if (picked.length === 0) return { rows: [], nonce, now };
  let seqs = '[';
  for (let i = 0; i < picked.length; i++) seqs += (i ? ',' : '') + picked[i]!.seq;
  seqs += ']';
  const rows = claimedFromJson(
    prepared(db, sql.claimRows).pluck().get({ seqs }) as string,
    now,
    params.workerId,
  );
  prepared(db, sql.claim).run({
    seqs,
    token: nonce,
    now,
    lease_ms: params.leaseMs,
    worker: params.workerId,
  });
  return { rows, nonce, now };
}

/** The claimed jobs in claim order, each with its lease token and expiry. */
export function claimedJobs(params: ClaimParams, claimed: ClaimedBatch): ClaimedJob[] {
  const { rows, nonce, now } = claimed;
  rows.sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.seq - b.seq);
  const leaseExpiresAt = now + params.leaseMs;
  const jobs = new Array<ClaimedJob>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const job = row.job as ClaimedJob;
    job.token = leaseToken(nonce, row.seq, job.id);
    job.leaseExpiresAt = leaseExpiresAt;
    jobs[i] = job;
  }
  return jobs;
}

export function byClaimOrder(
  a: { priority: number; run_at: number; seq: number },
  b: { priority: number; run_at: number; seq: number },
) {
  return b.priority - a.priority || a.run_at - b.run_at || a.seq - b.seq;
}
