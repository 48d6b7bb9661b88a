/**
 * How the Redis store's job records read back as `Job`s. A job lives in fields of a few hashes (see
 * lua/lib.lua): its record (the state string the scripts keep, '|'-separated with workerId last, a
 * newline, then the client's part: task, payload, options), and JSON for progress, result, last error
 * and error history.
 */
import type { BackoffPolicy, Job, JobProgress, JobState } from '../../core/job.js';
import { toJobError, type StoredError } from '../shared.js';
import type { NewJob } from '../../core/store.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../core/task.js';

/**
 * The client's part of a job, as written at insert (and replace): short keys, absent when null (on
 * 100,000 small jobs, spelling the fields out cost 85 bytes a job).
 */
interface JobRecord {
  /** task */
  t: string;
  /** maxAttempts, absent when it is the default (3) */
  a?: number;
  /** backoff */
  b?: BackoffPolicy;
  /** timeoutMs */
  o?: number;
  /** dedup key */
  k?: string;
  /** metadata */
  m?: Record<string, unknown>;
  /** payload */
  p: unknown;
}

/** Whether a task's jobs can be written `<task> <payload>`: only if that cannot be read another way. */
const shortForm = (task: string) => !task.startsWith('{') && !task.includes(' ');

/**
 * The client's part of a new job's record; payload and metadata are already JSON and go in as they are.
 * A job with no options of its own is written `<task> <payload>` (12 bytes less than the JSON object
 * for the common job; key layout 4), when its task has no space and does not start with `{`; any other
 * as the JSON of a JobRecord.
 */
export function encodeRecord(job: NewJob): string {
  if (
    job.maxAttempts === DEFAULT_MAX_ATTEMPTS &&
    job.backoff === null &&
    job.timeoutMs === null &&
    job.key === null &&
    job.metadata === null &&
    shortForm(job.task)
  ) {
    return `${job.task} ${job.payload}`;
  }
  let text = `{"t":${JSON.stringify(job.task)}`;
  if (job.maxAttempts !== DEFAULT_MAX_ATTEMPTS) text += `,"a":${job.maxAttempts}`;
  if (job.backoff !== null) text += `,"b":${JSON.stringify(job.backoff)}`;
  if (job.timeoutMs !== null) text += `,"o":${job.timeoutMs}`;
  if (job.key !== null) text += `,"k":${JSON.stringify(job.key)}`;
  if (job.metadata !== null) text += `,"m":${job.metadata}`;
  return `${text},"p":${job.payload}}`;
}

/** The client's part of a record, either way encodeRecord writes it. */
export function parseRecord(text: string): JobRecord {
  if (text.startsWith('{')) return JSON.parse(text) as JobRecord;
  const space = text.indexOf(' ');
  return { t: text.slice(0, space), p: JSON.parse(text.slice(space + 1)) as unknown };
}

/** Whether the client's part of a record is a job of `task`, without parsing its payload. */
export function recordHasTask(text: string, task: string): boolean {
  if (text.startsWith('{')) return text.startsWith(`{"t":${JSON.stringify(task)},`);
  // A task with a space (or a leading '{') is never written short, and could match the start of another
  // task's payload.
  return shortForm(task) && text.startsWith(`${task} `);
}

/** A state string's first field: the state's letter (lua/lib.lua, STATE_CODES) or, before layout 4, its name. */
export const STATE_NAMES: Record<string, JobState> = {
  q: 'queued',
  s: 'scheduled',
  a: 'active',
  r: 'retrying',
  b: 'blocked',
  c: 'completed',
  f: 'failed',
  x: 'cancelled',
};

/** The state string's fields (lua/lib.lua, decode). */
export interface JobStatus {
  state: JobState;
  runAt: number;
  attempt: number;
  crashCount: number;
  seq: number;
  priority: number;
  queue: string;
  tenant: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  leaseExpiresAt: number | null;
  cancelRequestedAt: number | null;
  token: string;
  workerId: string | null;
}

const nullable = (s: string) => (s === '' ? null : Number(s));

export function decodeStatus(text: string): JobStatus {
  const f = text.split('|');
  const worker = f.length > 15 ? f.slice(14).join('|') : (f[14] ?? '');
  return {
    state: STATE_NAMES[f[0]!] ?? (f[0] as JobState),
    runAt: Number(f[1]),
    attempt: Number(f[2]),
    crashCount: Number(f[3]),
    seq: Number(f[4]),
    priority: Number(f[5]),
    queue: f[6]!,
    tenant: f[7] === '' ? null : f[7]!,
    createdAt: f[8] === '' ? Number(f[1]) : Number(f[8]), // '' at insert when equal to the run-at
    startedAt: nullable(f[9]!),
    finishedAt: nullable(f[10]!),
    leaseExpiresAt: nullable(f[11]!),
    cancelRequestedAt: nullable(f[12]!),
    token: f[13]!,
    workerId: worker === '' ? null : worker,
  };
}

/** A stored record, '<state string>\n<client JSON>' (lua/lib.lua), as [state string, client JSON]. */
export function splitRecord(value: string | null): [string | null, string | null] {
  const newline = value?.indexOf('\n') ?? -1;
  if (value === null || newline < 0) return [null, null]; // unknown, or not a record of this layout
  return [value.slice(0, newline), value.slice(newline + 1)];
}

/** What lua/lib.lua's jobFields returns, and what jobGet reads: id, record, state, progress, result, last error, errors. */
export type JobFields = [
  id: string,
  record: string | null,
  status: string | null,
  progress: string | null,
  result: string | null,
  lastError: string | null,
  errors: string | null,
];

export function fieldsToJob(fields: JobFields): Job | null {
  const [id, record, status, progress, result, lastError, errors] = fields;
  if (record === null || status === null) return null;
  return toJob(id, parseRecord(record), decodeStatus(status), {
    progress: progress === null ? null : (JSON.parse(progress) as JobProgress),
    result: result === null ? null : (JSON.parse(result) as unknown),
    error: lastError === null ? null : toJobError(JSON.parse(lastError) as StoredError),
    errors: errors === null ? [] : (JSON.parse(errors) as StoredError[]).map(toJobError),
  });
}

export function toJob(
  id: string,
  r: JobRecord,
  s: JobStatus,
  extra: Pick<Job, 'progress' | 'result' | 'error' | 'errors'>,
): Job {
  return {
    id,
    task: r.t,
    queue: s.queue,
    state: s.state,
    payload: r.p,
    priority: s.priority,
    runAt: new Date(s.runAt),
    attempt: s.attempt,
    maxAttempts: r.a ?? DEFAULT_MAX_ATTEMPTS,
    crashCount: s.crashCount,
    backoff: r.b ?? null,
    timeoutMs: r.o ?? null,
    key: r.k ?? null,
    tenant: s.tenant,
    metadata: r.m ?? null,
    progress: extra.progress,
    result: extra.result,
    error: extra.error,
    errors: extra.errors,
    cancelRequested: s.cancelRequestedAt !== null,
    workerId: s.workerId,
    createdAt: new Date(s.createdAt),
    startedAt: s.startedAt === null ? null : new Date(s.startedAt),
    finishedAt: s.finishedAt === null ? null : new Date(s.finishedAt),
  };
}

/** A job just claimed (claimJobs in lua/lib.lua returns id, record, state, errors). */
export function claimedToJob(id: string, record: string, status: string, errors: string | null): Job {
  return toJob(id, parseRecord(record), decodeStatus(status), {
    progress: null,
    result: null,
    error: null,
    errors: errors === null ? [] : (JSON.parse(errors) as StoredError[]).map(toJobError),
  });
}

/**
 * Lease tokens are `<claim nonce>-<job seq>.<queue>`: the part before the dot is stored with the job and
 * fences (unique per lease: workers match results to runs by token); the queue tells the store which
 * queue's keys a transition of the job needs. Opaque outside this store.
 */
export function leaseToken(nonce: string, queue: string): string {
  return `${nonce}.${queue}`;
}

export function parseLeaseToken(token: string): { nonce: string; queue: string } {
  const dot = token.indexOf('.');
  if (dot <= 0) return { nonce: token, queue: '' };
  return { nonce: token.slice(0, dot), queue: token.slice(dot + 1) };
}
