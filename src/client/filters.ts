/**
 * The checks of the client's reads and bulk operations: job ids, filters, and the states a bulk
 * operation can change. Each throws a ValidationError naming what is wrong, before anything is read or
 * written.
 */
import { ValidationError } from '../core/errors.js';
import { isJobState, type JobFilter, type JobState } from '../core/job.js';
import { checkName, isPlainObject } from '../core/validate.js';

/** The fields listJobs takes. */
export const LIST_KEYS = ['queue', 'state', 'task', 'tenant', 'limit', 'cursor', 'order'];
const FILTER_KEYS = ['queue', 'state', 'task', 'tenant'];

export function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 100)
    throw new ValidationError('id: expected a job id');
}

/** A bulk operation given a state it can never change would match nothing: refused, naming the states. */
export function checkBulkStates(
  filter: JobFilter,
  takes: readonly JobState[],
  method: string,
  what: string,
): void {
  if (filter.state === undefined) return;
  const states = Array.isArray(filter.state) ? filter.state : [filter.state];
  const wrong = states.find((state) => !takes.includes(state));
  if (wrong !== undefined)
    throw new ValidationError(
      `state: ${method} changes ${what} (${takes.join(', ')}), not ${JSON.stringify(wrong)}`,
    );
}

/** Checks a filter. `nonEmpty`: bulk operations refuse an empty filter, which would touch every job. */
export function checkFilter(filter: JobFilter, nonEmpty = false): JobFilter {
  if (!isPlainObject(filter))
    throw new ValidationError('filter: expected an object { queue?, state?, task?, tenant? }');
  const out: JobFilter = {};
  // listJobs has checked its own keys; a bulk operation takes filter fields only (a `limit` there
  // would be silently ignored and the operation would touch every match).
  const allowed = nonEmpty ? FILTER_KEYS : LIST_KEYS;
  for (const key of Object.keys(filter)) {
    if (!allowed.includes(key)) {
      throw new ValidationError(`filter: unknown field "${key}" (accepted: ${FILTER_KEYS.join(', ')})`);
    }
  }
  if (filter.queue !== undefined) out.queue = checkName(filter.queue, 'queue');
  if (filter.task !== undefined) out.task = checkName(filter.task, 'task');
  if (filter.tenant !== undefined) out.tenant = checkName(filter.tenant, 'tenant');
  if (filter.state !== undefined) {
    const states = Array.isArray(filter.state) ? filter.state : [filter.state];
    if (states.length === 0) throw new ValidationError('state: expected at least one state');
    for (const s of states) {
      if (!isJobState(s)) {
        throw new ValidationError(
          `state: unknown state ${JSON.stringify(s)} (states: scheduled, queued, active, retrying, blocked, completed, failed, cancelled)`,
        );
      }
    }
    out.state = Array.isArray(filter.state) ? (states as JobState[]) : (filter.state as JobState);
  }
  if (nonEmpty && Object.keys(out).length === 0) {
    throw new ValidationError('filter: give at least one of queue, state, task or tenant');
  }
  return out;
}
