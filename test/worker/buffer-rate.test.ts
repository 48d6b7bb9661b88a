/**
 * The automatic buffer's give-back rule, on its own with a test clock: a pause of the event loop that
 * every running handler reports must not give back a fresh claim, while handlers that really turn slow
 * still get the buffer given back once the rate at which it hands jobs out agrees. (buffer.test.ts shows
 * the same rules end to end on a real store.)
 */
import { describe, expect, it } from 'vitest';
import { RunBuffer } from '../../src/worker/buffer.js';
import type { JobRun } from '../../src/worker/job-run.js';

const CONCURRENCY = 10;
const CLAIM_BATCH = 1024;

function setup() {
  let now = 0;
  const givenBack: JobRun[] = [];
  const buffer = new RunBuffer({
    concurrency: CONCURRENCY,
    prefetch: 'auto',
    claimBatch: () => CLAIM_BATCH,
    giveBack: (run) => givenBack.push(run),
    now: () => now,
  });
  const fill = (n: number) => {
    while (buffer.length < n) buffer.push({ reported: false, discarded: false, startedAt: now } as JobRun);
  };
  /** Hands out `n` buffered runs, `everyMs` apart. */
  const handOut = (n: number, everyMs: number) => {
    for (let i = 0; i < n; i++) {
      now += everyMs;
      expect(buffer.next()).toBeDefined();
    }
  };
  /**
   * Handlers are fast: the worker claims up to the target and hands the jobs out quickly, until the
   * target is whole again (checked); returns the claims that took.
   */
  const fastAgain = () => {
    let claims = 0;
    while (buffer.target < CLAIM_BATCH - CONCURRENCY && claims < 1000) {
      fill(buffer.target);
      handOut(buffer.length, 0.008);
      buffer.observe(0.01);
      expect(buffer.target).toBeGreaterThanOrEqual(1);
      claims++;
    }
    expect(buffer.target).toBe(CLAIM_BATCH - CONCURRENCY);
    return claims;
  };
  return { buffer, givenBack, fill, handOut, fastAgain, advance: (ms: number) => (now += ms) };
}

describe('worker buffer: the give-back rule', () => {
  it('keeps a fresh claim through a pause that every running handler reports', () => {
    const { buffer, givenBack, fill, handOut } = setup();
    for (let i = 0; i < 20; i++) buffer.observe(0.01);
    expect(buffer.target).toBe(CLAIM_BATCH - CONCURRENCY);
    fill(buffer.target);
    handOut(600, 0.008); // the rate is measured while the buffer holds jobs
    fill(buffer.target);
    // The worker spent 5 ms turning the claim into runs: each of the ten running handlers reports it.
    for (let i = 0; i < CONCURRENCY; i++) buffer.observe(5);
    expect(givenBack).toHaveLength(0);
    expect(buffer.length).toBe(CLAIM_BATCH - CONCURRENCY);
  });

  it('gives jobs back once handlers turn slow and the hand-out rate agrees', () => {
    const { buffer, givenBack, fill, handOut } = setup();
    for (let i = 0; i < 20; i++) buffer.observe(0.01);
    fill(buffer.target);
    handOut(600, 0.008);
    fill(buffer.target);
    // Handlers now take 50 ms: a slot frees every 5 ms. The mean says so at once; the rate, once a
    // window of 20 ms has passed.
    let slow = 0;
    while (givenBack.length === 0 && slow < 10) {
      handOut(1, 5);
      buffer.observe(50);
      slow++;
    }
    expect(slow).toBe(4); // 20.7 ms of holding: 0.117 ms a job with the fast runs before, × 1,010 > 80
    expect(givenBack.length).toBeGreaterThan(900);
    expect(buffer.length).toBeLessThanOrEqual(buffer.target);
    expect(buffer.target).toBe(0); // a 50 ms mean is not a short job
  });

  it('gives nothing back on the mean alone before the rate is measured; a stall still empties it', () => {
    const { buffer, givenBack, fill, advance } = setup();
    for (let i = 0; i < 20; i++) buffer.observe(0.01);
    buffer.started(0); // the test clock has not moved yet
    fill(buffer.target);
    for (let i = 0; i < CONCURRENCY; i++) buffer.observe(50);
    expect(givenBack).toHaveLength(0);
    advance(79);
    buffer.checkStall(true);
    expect(givenBack).toHaveLength(0);
    advance(2);
    buffer.checkStall(true);
    expect(givenBack).toHaveLength(CLAIM_BATCH - CONCURRENCY);
    expect(buffer.length).toBe(0);
  });

  it('recovers from a slow spell it measured: the buffer keeps a job, so the rate is measured again', () => {
    const { buffer, fill, handOut, fastAgain } = setup();
    for (let i = 0; i < 20; i++) buffer.observe(0.01);
    fill(1);
    handOut(1, 50); // one hand-out after 50 ms (a handler's slow first call): 50 ms a job
    buffer.observe(0.01);
    expect(buffer.target).toBe(1);
    expect(fastAgain()).toBeLessThan(300); // 256 one-job claims make the first window; it counts at once
  });

  it('recovers after handlers were long (no buffer at all), whatever rate it measured before', () => {
    const { buffer, fill, handOut, fastAgain } = setup();
    for (let i = 0; i < 20; i++) buffer.observe(0.01);
    fill(buffer.target);
    // 50 ms handlers: the buffer is given back, and none is kept while the mean is 5 ms or more.
    for (let i = 0; i < 10 && buffer.length > 0; i++) {
      handOut(1, 10);
      buffer.observe(50);
    }
    expect(buffer.length).toBe(0);
    expect(buffer.target).toBe(0);
    for (let i = 0; i < 40 && buffer.target === 0; i++) buffer.observe(0.01);
    expect(buffer.target).toBeGreaterThanOrEqual(1);
    fastAgain();
  });
});
