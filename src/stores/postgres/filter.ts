/**
 * Turns a job target (ids or a filter) into a SQL condition with numbered parameters, to fill the
 * `{where}` slot of list, cancel and retry statements. Values are always bound; job states are checked
 * against the closed list first.
 */
import { ValidationError } from '../../core/errors.js';
import { isJobId } from '../../core/ids.js';
import { isJobState, type JobFilter, type JobState } from '../../core/job.js';
import type { JobTarget } from '../../core/store.js';

export interface SqlCondition {
  where: string;
  values: unknown[];
}

/** A filter's states as a list, or undefined when it names none. */
function filterStates(filter: JobFilter): JobState[] | undefined {
  if (filter.state === undefined) return undefined;
  return Array.isArray(filter.state) ? filter.state : [filter.state];
}

export function filterCondition(filter: JobFilter): SqlCondition {
  const terms: string[] = [];
  const values: unknown[] = [];
  const bind = (value: unknown) => `$${values.push(value)}`;
  const states = filterStates(filter);
  if (states) {
    for (const state of states)
      if (!isJobState(state)) throw new ValidationError(`state: unknown state ${JSON.stringify(state)}`);
    // Written in as literals (checked above), so the planner can match the partial indexes' conditions;
    // sorted and each once, so the eight states make a bounded number of statement texts (each distinct
    // text is a prepared statement on every pooled connection).
    const set = [...new Set(states)].sort();
    terms.push(set.length ? `state IN (${set.map((st) => `'${st}'`).join(', ')})` : 'false');
    // Failed, cancelled and blocked jobs are in jobs_state; active ones in jobs_active (migration 0002).
    const inState = ['failed', 'cancelled', 'blocked'];
    if (states.every((st) => inState.includes(st)))
      terms.push("state NOT IN ('queued', 'scheduled', 'retrying', 'completed', 'active')");
  }
  if (filter.queue !== undefined) terms.push(`queue = ${bind(filter.queue)}::text`);
  if (filter.task !== undefined) terms.push(`task = ${bind(filter.task)}::text`);
  if (filter.tenant !== undefined) terms.push(`tenant = ${bind(filter.tenant)}::text`);
  return { where: terms.length ? terms.join(' AND ') : 'true', values };
}

/**
 * Which of the two indexes holding seq (migration 0003) a filter's jobs can be in: jobs_active (active
 * jobs) and jobs_seq (every other state). A list reads the one, or both merged.
 */
export function seqParts(filter: JobFilter): { active: boolean; rest: boolean } {
  const states = filterStates(filter);
  if (states === undefined) return { active: true, rest: true };
  const active = states.includes('active');
  return { active, rest: !active || states.some((st) => st !== 'active') };
}

export function targetCondition(target: JobTarget): SqlCondition {
  if ('ids' in target) {
    // Ids that cannot be job ids match nothing (rather than failing the uuid cast).
    return { where: 'id = ANY($1::uuid[])', values: [target.ids.filter((id) => isJobId(id))] };
  }
  return filterCondition(target.filter);
}

/** List cursors: the last row's seq, opaque to callers. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const seq = /^s(\d{1,16})$/.exec(text);
  if (!seq) throw new ValidationError('cursor: not a cursor returned by this store');
  return Number(seq[1]);
}
