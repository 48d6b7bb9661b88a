/**
 * The Redis store's operator actions: cancel, retry, remove, clean, promote due jobs, pause and resume.
 * Each runs the scripts of lua/ over batches of ids (stored form, see ids.ts) found by the reads.
 */
import { FilaError } from '../../core/errors.js';
import type { JobTarget, QueueForgetResult } from '../../core/store.js';
import { publicId, storedId } from './ids.js';
import type { KeyLayout } from './keys.js';
import type { Reads } from './reads.js';
import type { ScriptName } from './scripts.js';

type Run = (
  name: ScriptName,
  queues: readonly string[],
  args: (string | number)[],
  extraKeys?: readonly string[],
) => Promise<unknown>;

/** Queues per promote-due call (each brings six keys). */
const PROMOTE_QUEUES_PER_CALL = 100;

export class Operations {
  constructor(
    private readonly layout: KeyLayout,
    private readonly reads: Reads,
    private readonly run: Run,
    /** Tells this process's listeners that jobs are ready. */
    private readonly wake: () => void,
  ) {}

  async jobCancel(params: JobTarget): Promise<{ cancelled: string[]; requested: string[] }> {
    const ids = await this.reads.targetIds(params);
    const out = { cancelled: [] as string[], requested: [] as string[] };
    for (const chunk of chunks(ids)) {
      const codes = (await this.run('cancel', [], [chunk.length, ...chunk.map(storedId)])) as string[];
      chunk.forEach((id, i) => {
        if (codes[i] === 'c') out.cancelled.push(id);
        else if (codes[i] === 'r') out.requested.push(id);
      });
    }
    return out;
  }

  async jobPromoteDue(params: { exceptQueues: string[]; limit: number }): Promise<{ promoted: number }> {
    const except = new Set(params.exceptQueues);
    const queues = (await this.reads.queueNames()).filter((q) => !except.has(q));
    let promoted = 0;
    // A chunk of queues per call keeps each script's key list short, however many queues there are.
    for (let i = 0; i < queues.length && promoted < params.limit; i += PROMOTE_QUEUES_PER_CALL) {
      const chunk = queues.slice(i, i + PROMOTE_QUEUES_PER_CALL);
      promoted += (await this.run('promoteDue', chunk, [params.limit - promoted])) as number;
    }
    return { promoted };
  }

  async jobRetry(params: JobTarget): Promise<{ retried: string[] }> {
    const ids = await this.reads.targetIds(params);
    const retried: string[] = [];
    for (const chunk of chunks(ids)) {
      const done = (await this.run('retry', [], [chunk.length, ...chunk.map(storedId)])) as string[];
      retried.push(...done.map(publicId));
    }
    if (retried.length) this.wake();
    return { retried };
  }

  async jobRemove(params: { ids: string[] }): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    for (const chunk of chunks(params.ids)) {
      const logs = chunk.map((id) => this.layout.logKey(id));
      const gone = (await this.run('remove', [], [chunk.length, ...chunk.map(storedId)], logs)) as string[];
      removed.push(...gone.map(publicId));
    }
    return { removed };
  }

  async jobClean(params: {
    state: 'completed' | 'failed' | 'cancelled';
    olderThanMs: number;
    queues?: string[];
    limit: number;
  }): Promise<{ removed: number }> {
    if (!['completed', 'failed', 'cancelled'].includes(params.state)) {
      throw new FilaError('invalid_argument', `state: clean takes completed, failed or cancelled`);
    }
    const queues = params.queues ?? (await this.reads.queueNames());
    if (queues.length === 0) return { removed: 0 };
    // Two steps, so that each job's log list can be named in KEYS: find, then delete what still matches.
    const ids = (await this.run('cleanFind', queues, [
      params.state,
      params.olderThanMs,
      params.limit,
    ])) as string[];
    if (ids.length === 0) return { removed: 0 };
    const removed = (await this.run(
      'clean',
      queues,
      [params.state, params.olderThanMs, ids.length, ...ids],
      ids.map((id) => this.layout.logKey(publicId(id))),
    )) as number;
    return { removed };
  }

  async queuePause(params: { queue: string }): Promise<void> {
    await this.run('queuePause', [params.queue], ['1']);
  }

  async queueResume(params: { queue: string }): Promise<void> {
    await this.run('queuePause', [params.queue], ['0']);
    this.wake();
  }

  async queueForget(params: { queue: string }): Promise<QueueForgetResult> {
    const reply = (await this.run('queueForget', [params.queue], [])) as [number, number, number];
    return { forgotten: reply[0] === 1, jobs: reply[1], paused: reply[2] === 1 };
  }
}

/** Ids in batches small enough for one script call each. */
function* chunks(ids: string[], size = 500): Generator<string[]> {
  for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
}
