/**
 * The SQLite event log's format: each appended batch is one row holding a JSON array of compact
 * tuples [type, jobId, queue, task, tenant, data]; an event's id is "<row seq>-<index>". Ids compare
 * as (seq, index) pairs.
 */
import { ValidationError } from '../../core/errors.js';
import type { EventType, NewEvent, StoredEvent } from '../../core/store.js';

type Tuple = [
  EventType,
  string | null,
  string | null,
  string | null,
  string | null,
  Record<string, unknown> | null,
];

export function encodeEvents(events: NewEvent[]): string {
  const tuples: Tuple[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    tuples[i] = [e.type, e.jobId, e.queue, e.task, e.tenant, e.data];
  }
  return JSON.stringify(tuples);
}

export function decodeBatch(
  seq: number,
  at: number,
  json: string,
  from: number,
  out: StoredEvent[],
  limit: number,
): void {
  const tuples = JSON.parse(json) as Tuple[];
  for (let i = from; i < tuples.length && out.length < limit; i++) {
    const [type, jobId, queue, task, tenant, data] = tuples[i]!;
    out.push({ id: `${seq}-${i}`, at, type, jobId, queue, task, tenant, data });
  }
}

/** The (seq, index) of an event id; a malformed id is the caller's error. */
export function parseEventId(id: string): { seq: number; index: number } {
  const m = /^(\d{1,15})-(\d{1,9})$/.exec(id);
  if (!m)
    throw new ValidationError(`event id ${JSON.stringify(id.slice(0, 40))}: not an event id of this store`);
  return { seq: Number(m[1]), index: Number(m[2]) };
}
