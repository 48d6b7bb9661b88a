/**
 * Tasks used by the conformance suite, in the test process and in child workers alike:
 *   hang  never finishes on its own; rejects with the signal's reason when aborted
 *   nap   waits `ms` (honouring the signal), then returns { slept }
 *   noop  returns { ok: true }
 *   steps reports progress `n` times, `ms` apart ("step i of n"), logs "done", returns { steps: n }
 */
import { defineTask } from '../core/task.js';

export const hang = defineTask({
  name: 'hang',
  handler: (_payload: unknown, ctx) =>
    new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
    }),
});

export const nap = defineTask({
  name: 'nap',
  handler: (payload: { ms: number }, ctx) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ slept: payload.ms }), payload.ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason as Error);
      });
    }),
});

export const noop = defineTask({ name: 'noop', handler: () => ({ ok: true }) });

export const steps = defineTask({
  name: 'steps',
  handler: async (payload: { n: number; ms: number }, ctx) => {
    for (let i = 1; i <= payload.n; i++) {
      await new Promise((r) => setTimeout(r, payload.ms));
      await ctx.progress(Math.round((i / payload.n) * 100), `step ${i} of ${payload.n}`);
    }
    await ctx.log('done');
    return { steps: payload.n };
  },
});
