/**
 * Turns a job target (ids or a filter) into a SQL condition with bound parameters, to fill the
 * `{where}` slot of list, cancel and retry statements. Values are bound parameters, except job states:
 * a closed set, checked against it, and written in as literals so SQLite can use the partial indexes.
 * Each shape of condition is prepared once.
 */
import { ValidationError } from '../../core/errors.js';
import { isJobState, type JobFilter } from '../../core/job.js';
import type { JobTarget } from '../../core/store.js';

export interface SqlCondition {
  where: string;
  params: Record<string, unknown>;
}

export function filterCondition(filter: JobFilter): SqlCondition {
  const terms: string[] = [];
  const params: Record<string, unknown> = {};
  const states =
    filter.state === undefined ? undefined : Array.isArray(filter.state) ? filter.state : [filter.state];
  if (states) {
    // States are written in as literals (after checking them against the closed list): SQLite uses a
    // partial index (fila_jobs_ready, fila_jobs_state) only when the query repeats its condition literally.
    for (const state of states)
      if (!isJobState(state)) throw new ValidationError(`state: unknown state ${JSON.stringify(state)}`);
    terms.push(
      states.length === 1
        ? `state = '${states[0]}'`
        : `state IN (${states.map((st) => `'${st}'`).join(', ')})`,
    );
    // SQLite does not infer that state = 'failed' implies the state index's own condition: repeat it.
    if (states.every((st) => st !== 'queued' && st !== 'completed'))
      terms.push("state NOT IN ('queued', 'completed')");
  }
  if (filter.queue !== undefined) {
    terms.push('queue = :queue');
    params.queue = filter.queue;
  }
  if (filter.task !== undefined) {
    terms.push('task = :task');
    params.task = filter.task;
  }
  if (filter.tenant !== undefined) {
    terms.push('tenant = :tenant');
    params.tenant = filter.tenant;
  }
  return { where: terms.length ? terms.join(' AND ') : '1', params };
}

export function targetCondition(target: JobTarget): SqlCondition {
  if ('ids' in target) {
    return {
      where: 'id IN (SELECT value FROM json_each(:ids))',
      params: { ids: JSON.stringify(target.ids) },
    };
  }
  return filterCondition(target.filter);
}

/** List cursors: the last row's rowid, opaque to callers. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const seq = /^s(\d{1,16})$/.exec(text);
  if (!seq) throw new ValidationError('cursor: not a cursor returned by this store');
  return Number(seq[1]);
}
