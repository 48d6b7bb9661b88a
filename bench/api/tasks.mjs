/**
 * The task the SSE benchmark's worker runs: `ticker` reports progress `count` times, `intervalMs`
 * apart, with the wall-clock time of the report as its message, so each client can measure how long
 * the event took to reach it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTask } from '../../dist/index.js';

export const ticker = defineTask({
  name: 'ticker',
  queue: 'ticks',
  timeout: '1h',
  handler: async (payload, ctx) => {
    for (let i = 1; i <= payload.count; i++) {
      await sleep(payload.intervalMs, undefined, { signal: ctx.signal });
      await ctx.progress(Math.round((i / payload.count) * 100), String(Date.now()));
    }
    return { ticks: payload.count };
  },
});
