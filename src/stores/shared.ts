/**
 * Pieces of the row-to-job mapping that every store shares: the stored form of an attempt's error,
 * the claim's compact tuple (SQLite and PostgreSQL build it in SQL as a JSON array), claim nonces and
 * `<nonce>.<seq>.<id>` lease tokens, and the id bound used to select jobs by creation time.
 */
import { ValidationError } from '../core/errors.js';
import { randomToken } from '../core/ids.js';
import type { BackoffPolicy, Job, JobError } from '../core/job.js';
import type { ClaimParams } from '../core/store.js';

/** An attempt's error as the stores keep it (JSON). */
export interface StoredError {
  attempt: number;
  at: number;
  name: string;
  message: string;
  code?: string | null;
  stack?: string | null;
  crash?: boolean;
}

export function toJobError(e: StoredError): JobError {
  const out: JobError = { attempt: e.attempt, at: new Date(e.at), name: e.name, message: e.message };
  if (e.code != null) out.code = e.code;
  if (e.stack != null) out.stack = e.stack;
  if (e.crash) out.crash = true;
  return out;
}

/** One claimed job as the claim statements list its columns. */
export type ClaimTuple = [
  seq: number,
  id: string,
  task: string,
  queue: string,
  priority: number,
  runAt: number,
  payload: unknown,
  attempt: number,
  maxAttempts: number,
  crashCount: number,
  backoff: BackoffPolicy | null,
  timeoutMs: number | null,
  key: string | null,
  tenant: string,
  metadata: Record<string, unknown> | null,
  errors: StoredError[] | null,
  createdAt: number,
];

/** The active job a claim tuple describes; `attempt` is the attempt it now runs. */
export function claimedJob(r: ClaimTuple, attempt: number, workerId: string, startedAt: Date): Job {
  return {
    id: r[1],
    task: r[2],
    queue: r[3],
    state: 'active',
    payload: r[6],
    priority: r[4],
    runAt: new Date(r[5]),
    attempt,
    maxAttempts: r[8],
    crashCount: r[9],
    backoff: r[10],
    timeoutMs: r[11],
    key: r[12],
    tenant: r[13] === '' ? null : r[13],
    metadata: r[14],
    progress: null,
    result: null,
    error: null,
    errors: r[15] === null ? [] : r[15].map(toJobError),
    cancelRequested: false,
    workerId,
    createdAt: new Date(r[16]),
    startedAt,
    finishedAt: null,
  };
}

const CLAIM_ID = /^[0-9a-f]{16,64}$/;

/**
 * The nonce a claim leases its jobs under: the caller's `claimId` (so that `jobReleaseClaim` can find
 * them), or a new random one.
 */
export function claimNonce(params: Pick<ClaimParams, 'claimId'>): string {
  if (params.claimId === undefined) return randomToken(12);
  return checkClaimId(params.claimId);
}

/** Refuses a claim whose `claimId` is malformed (before anything is written). */
export function checkClaim(claim: Pick<ClaimParams, 'claimId'> | undefined): void {
  if (claim?.claimId !== undefined) checkClaimId(claim.claimId);
}

export function checkClaimId(claimId: unknown): string {
  if (typeof claimId !== 'string' || !CLAIM_ID.test(claimId)) {
    throw new ValidationError(`claimId: expected 16-64 lowercase hex digits, got ${JSON.stringify(claimId)}`);
  }
  return claimId;
}

/**
 * Lease tokens of the SQL stores are `<claim nonce>.<seq>.<job id>`: the nonce (stored in lease_token)
 * fences, the seq locates the row through an index (an active job's: PostgreSQL's jobs_active, SQLite's
 * primary key), and the id names the job the token was issued
 * for, so a report whose id is not its token's job is refused before any statement runs (a row found by
 * seq and nonce is always the job of that id: only a claim issues tokens). Opaque outside the store.
 */
export function leaseToken(nonce: string, seq: number, id: string): string {
  return `${nonce}.${seq}.${id}`;
}

/** The token's nonce and seq when it is well formed and was issued for job `id`; otherwise null. */
export function parseLeaseToken(token: string, id: string): { nonce: string; seq: number } | null {
  if (typeof token !== 'string') return null;
  const idDot = token.lastIndexOf('.');
  if (idDot <= 0 || token.slice(idDot + 1) !== id) return null;
  const dot = token.lastIndexOf('.', idDot - 1);
  if (dot <= 0) return null;
  const seq = Number(token.slice(dot + 1, idDot));
  return Number.isSafeInteger(seq) && seq > 0 ? { nonce: token.slice(0, dot), seq } : null;
}

/**
 * The smallest job id (UUID v7) that a job created at `ms` can have: ids compare as text in time
 * order, so `id < idFloor(t)` selects jobs created before t.
 */
export function idFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
