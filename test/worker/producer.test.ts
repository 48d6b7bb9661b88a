/**
 * The Producer's loop logic with fake timers and a scripted store: coalesced wake-ups, claims sized to
 * free slots, a drained queue that stops claiming until woken, timers at the next run-at, and a jittered
 * poll as the safety net.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/core/errors.js';
import type { ClaimParams, ClaimResult, Store } from '../../src/core/store.js';
import { Producer, type ProducerHooks } from '../../src/worker/producer.js';

/** A producer on `store` with quiet defaults for every other hook. */
const producerOn = (store: Store, hooks: Partial<ProducerHooks> = {}) =>
  new Producer({
    store,
    queues: ['q'],
    leaseMs: 30_000,
    workerId: 'w',
    pollIntervalMs: 1000,
    freeSlots: () => 5,
    start: () => {},
    onCancelled: () => {},
    onError: () => {},
    ...hooks,
  });

function setup(results: (params: ClaimParams) => Partial<ClaimResult>, freeSlots = () => 5) {
  const claims: ClaimParams[] = [];
  let wake: () => void = () => {};
  const store = {
    jobClaim: async (p: ClaimParams) => {
      claims.push(p);
      return { jobs: [], nextRunAt: null, now: Date.now(), ...results(p) };
    },
    listen: (fn: () => void) => {
      wake = fn;
      return () => {};
    },
  } as unknown as Store;
  const started: string[] = [];
  const producer = producerOn(store, { freeSlots, start: (job) => void started.push(job.id) });
  return { producer, claims, started, wake: () => wake() };
}

const job = (id: string) => ({ id }) as never;

describe('Producer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('claims for the free slots at start, and stops claiming once the queue is drained', async () => {
    const { producer, claims, started } = setup(() => ({ jobs: [job('a'), job('b')] }));
    producer.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims.map((c) => c.limit)).toEqual([5]);
    expect(started).toEqual(['a', 'b']);
    // Fewer jobs than slots: drained. A freed slot does not trigger another claim.
    producer.slotFreed();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toHaveLength(1);
    await producer.stop();
  });

  it('coalesces a burst of wake-ups into one claim, and claims again if woken during a claim', async () => {
    const { producer, claims, wake } = setup(() => ({}));
    producer.start();
    for (let i = 0; i < 10; i++) wake();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toHaveLength(1);
    wake();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toHaveLength(2);
    await producer.stop();
  });

  it('wakes at the next run-at reported by the store, without a poll', async () => {
    let first = true;
    const { producer, claims } = setup(() => {
      if (!first) return {};
      first = false;
      return { nextRunAt: Date.now() + 300, now: Date.now() };
    });
    producer.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(claims).toHaveLength(2);
    await producer.stop();
  });

  it('polls every interval ± 20% as a safety net', async () => {
    const { producer, claims } = setup(() => ({}));
    producer.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(790);
    expect(claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(420);
    expect(claims).toHaveLength(2);
    await producer.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(claims).toHaveLength(2);
  });

  it('does not claim without free slots, and backs off after a store error', async () => {
    let free = 0;
    let fail = true;
    const claims: number[] = [];
    const errors: unknown[] = [];
    const store = {
      jobClaim: async (p: ClaimParams) => {
        claims.push(p.limit);
        if (fail) throw new Error('store down');
        return { jobs: [], nextRunAt: null, now: Date.now() };
      },
      listen: () => () => {},
    } as unknown as Store;
    const producer = producerOn(store, {
      leaseMs: 1000,
      pollIntervalMs: 60_000,
      freeSlots: () => free,
      onError: (e) => void errors.push(e),
    });
    producer.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toEqual([]);
    free = 3;
    producer.wake();
    await vi.advanceTimersByTimeAsync(1);
    expect(claims).toEqual([3]);
    expect(errors).toHaveLength(1);
    // Retried after 100 ms, then 200 ms…
    await vi.advanceTimersByTimeAsync(99);
    expect(claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(claims).toHaveLength(2);
    fail = false;
    await vi.advanceTimersByTimeAsync(201);
    expect(claims).toHaveLength(3);
    await producer.stop();
  });

  it('hands back a claim that failed unreachable after the next claim that succeeds, and once more later', async () => {
    const released: string[] = [];
    let calls = 0;
    const store = {
      jobClaim: async () => {
        if (++calls === 1) throw new StoreUnavailableError('connection lost (test)');
        return { jobs: [], nextRunAt: null, now: Date.now() };
      },
      jobReleaseClaim: async ({ claimId }: { claimId: string }) => {
        released.push(claimId);
        return { released: [], cancelled: [] };
      },
      listen: () => () => {},
    } as unknown as Store;
    const producer = producerOn(store);
    producer.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(released).toEqual([]); // nothing to hand back to while the store is away
    await vi.advanceTimersByTimeAsync(1300); // the retry after the error (or the poll) claims again
    expect(released).toHaveLength(1);
    expect(released[0]).toMatch(/^[0-9a-f]{16}$/);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(released).toEqual([released[0], released[0]]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(released).toHaveLength(2);
    await producer.stop();
  });
});
