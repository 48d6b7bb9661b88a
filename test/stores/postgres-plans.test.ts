/**
 * Every statement the PostgreSQL store runs on the jobs table can be served by an index: none needs a
 * full scan of the table, and a list never sorts. The store's statements are recorded as it runs them
 * (each kind of operation, with the parameters it really sends), then each is prepared again and its
 * generic plan (the one a prepared statement settles on) is explained with sequential scans and sorts
 * switched off. The planner still chooses one of those when nothing else can answer the statement, so a
 * statement that lost its index shows up here. Most of the jobs table's indexes are partial, and a
 * statement can use one only when its own conditions imply the index's (with the parameters unknown, as
 * in a generic plan): this is what catches a condition that stopped matching.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobFilter } from '../../src/core/job.js';
import type { ClaimedJob, NewJob, Store } from '../../src/core/store.js';
import { dropStore, openStore } from '../../src/stores/open.js';
import { plainJob } from '../helpers/jobs.js';
import { POSTGRES_URL, unavailable } from '../helpers/services.js';

const skip = await unavailable('postgres');
const schema = `fila_plans_${process.pid}`;
const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
const ran = new Map<string, unknown[]>(); // statement text -> the parameters of its last run
let store: Store;

// Every statement any of the store's connections runs (pool and transactions alike), while recording.
const clientQuery = pg.Client.prototype.query;
let recording = true;

beforeAll(async () => {
  if (skip) return;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown];
    if (recording) {
      if (typeof config === 'string') ran.set(config, Array.isArray(values) ? values : []);
      else ran.set(config.text, config.values ?? []);
    }
    return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof clientQuery;
  store = await openStore(url);
});

afterAll(async () => {
  if (skip) return;
  pg.Client.prototype.query = clientQuery;
  await store.close();
  await dropStore(url);
});

/** A parameter as an SQL literal for EXECUTE (arrays in PostgreSQL's array syntax). */
function literal(client: pg.Client, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) {
    const items = value.map((v) =>
      v === null ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`,
    );
    return client.escapeLiteral(`{${items.join(',')}}`);
  }
  return client.escapeLiteral(String(value));
}

function job(over: Partial<NewJob> = {}): NewJob {
  return { ...plainJob(), ...over };
}

describe.skipIf(skip)('PostgreSQL statement plans', () => {
  it('every statement on the jobs table is served by an index, and lists are not sorted', async () => {
    const claim = { queues: ['default'], limit: 4, leaseMs: 30_000, workerId: 'plans' };
    await store.jobInsertMany({ jobs: Array.from({ length: 40 }, () => job()) });
    await store.jobInsertMany({ jobs: [job({ queue: 'other' }), job({ delayMs: 60_000 })] });
    await store.jobInsertMany({ jobs: [job({ key: 'k' })] });
    await store.jobInsertMany({ jobs: [job({ key: 'k', dedup: 'replace', payload: '{"v":2}' })] });
    const take = async (limit: number): Promise<ClaimedJob[]> =>
      (await store.jobClaim({ ...claim, limit })).jobs;
    const [a, b, c, d] = (await take(4)) as [ClaimedJob, ClaimedJob, ClaimedJob, ClaimedJob];
    await store.jobClaim({ ...claim, queues: ['default', 'other'], limit: 1 });
    const ref = (j: ClaimedJob) => ({ id: j.id, token: j.token });
    await store.jobExtendLeases({ leases: [ref(a)], leaseMs: 30_000 });
    await store.jobCheckLeases({ leases: [ref(a)] });
    await store.jobProgressMany({ jobs: [{ ...ref(a), percent: 50, message: null }] });
    await store.jobCompleteMany({ jobs: [{ ...ref(a), result: null }] });
    await store.jobCompleteMany({ jobs: [{ ...ref(b), result: '{"ok":true}' }], claim });
    const error = { name: 'Error', message: 'no' };
    await store.jobFailMany({ jobs: [{ ...ref(c), error, retryDelayMs: null }] });
    await store.jobReleaseMany({ jobs: [{ ...ref(d), delayMs: 0 }] });
    await store.jobRescue({ maxCrashes: 3, limit: 10 });
    await store.jobPromoteDue({ exceptQueues: ['default'], limit: 10 });
    for (const state of ['completed', 'failed', 'cancelled'] as const)
      await store.jobClean({
        state,
        olderThanMs: 0,
        limit: 10,
        queues: state === 'failed' ? ['default'] : [],
      });
    for (const state of [
      undefined,
      'active',
      'completed',
      ['active', 'queued'],
      ['failed', 'cancelled'],
    ] as JobFilter['state'][]) {
      for (const order of ['asc', 'desc'] as const) {
        const first = await store.jobList({ filter: { state, queue: 'default' }, limit: 2, order });
        if (first.cursor) await store.jobList({ filter: { state }, limit: 2, order, cursor: first.cursor });
      }
    }
    await store.jobCancel({ filter: { state: 'queued', queue: 'other' } });
    await store.jobRetry({ filter: { state: ['failed', 'cancelled'] } });
    await store.jobRemove({ ids: [a.id] });

    await store.jobGet({ ids: [a.id, b.id] });
    await store.jobLogAppend({ entries: [{ id: b.id, attempt: 1, message: 'line' }] });
    await store.jobLogs({ id: b.id, limit: 10 });
    await store.queueList();
    const named = 'ab'.repeat(16);
    await store.jobClaim({ ...claim, claimId: named });
    await store.jobReleaseClaim({ claimId: named });
    recording = false;

    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const scans: string[] = [];
    try {
      await client.query(
        'SET enable_seqscan = off; SET enable_sort = off; SET plan_cache_mode = force_generic_plan',
      );
      let checked = 0;
      for (const [text, values] of ran) {
        if (!/\.jobs\b/.test(text) || /^\s*(CREATE|ALTER|DROP)\b/m.test(text)) continue;
        if (text.startsWith('-- queue-counts:')) continue; // counts every job: reading them all is its work
        await client.query(`PREPARE p AS ${text}`);
        const args = values.length ? `(${values.map((v) => literal(client, v)).join(', ')})` : '';
        const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE p${args}`)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        await client.query('DEALLOCATE p');
        checked++;
        const first = text.split('\n').find((l) => !l.startsWith('--')) ?? text;
        if (/Seq Scan on jobs\b/.test(plan)) scans.push(`full scan: ${first}\n${plan}`);
        if (/ORDER BY seq/.test(text) && /\bSort {2}\(cost/.test(plan))
          scans.push(`sorted: ${first}\n${plan}`);
      }
      expect(checked).toBeGreaterThan(20);
    } finally {
      await client.end();
    }
    expect(scans).toEqual([]);
  });
});
