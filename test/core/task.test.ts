import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createFila, defineTask, type Job } from '../../src/index.js';

describe('defineTask', () => {
  it('checks the definition once, with clear errors', () => {
    expect(() => defineTask({ name: 'bad name', handler: () => 1 })).toThrow(
      /defineTask: name: invalid name/,
    );
    expect(() => defineTask({ name: 'x', handler: 'nope' as never })).toThrow(/handler must be a function/);
    expect(() => defineTask({ name: 'x', handler: () => 1, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => defineTask({ name: 'x', handler: () => 1, timeout: '0s' })).toThrow(
      /timeout: must be greater than zero/,
    );
    expect(() => defineTask({ name: 'x', handler: () => 1, retries: 3 } as never)).toThrow(
      /unknown option "retries"/,
    );
    expect(() => defineTask({ name: 'x', handler: () => 1, schema: {} as never })).toThrow(/Standard Schema/);
  });

  it('infers the payload type for enqueue from the handler or the schema', () => {
    const byHandler = defineTask({
      name: 'resize',
      handler: async (p: { url: string; width: number }) => p.width * 2,
    });
    const bySchema = defineTask({
      name: 'signup',
      schema: z.object({ email: z.string(), plan: z.enum(['free', 'pro']).default('free') }),
      handler: async (p) => p.plan,
    });
    const fila = createFila({ store: 'sqlite:///tmp/fila-types-never-opened.db' });
    // Type-level checks: these lines must compile (and the @ts-expect-error ones must not).
    expectTypeOf(fila.enqueue(byHandler, { url: 'a', width: 1 })).toEqualTypeOf<
      Promise<Job<{ url: string; width: number }, number>>
    >();
    // @ts-expect-error width must be a number
    void (() => fila.enqueue(byHandler, { url: 'a', width: '1' }));
    // The schema's input: `plan` may be left out (it has a default)...
    void (() => fila.enqueue(bySchema, { email: 'a@b.c' }));
    // @ts-expect-error ...but email is required
    void (() => fila.enqueue(bySchema, { plan: 'pro' }));
    expectTypeOf(bySchema.handler).parameter(0).toEqualTypeOf<{ email: string; plan: 'free' | 'pro' }>();
    void fila.close();
  });
});

describe('options a timer cannot honour', () => {
  it('are refused: timeouts and intervals above 24 days', async () => {
    expect(() => defineTask({ name: 'x', handler: () => 1, timeout: '30d' })).toThrow(
      /timeout: at most 24 days/,
    );
    const fila = createFila({ store: 'sqlite:///tmp/fila-timer-check.db' });
    const task = defineTask({ name: 'x', handler: () => 1 });
    expect(() => fila.worker({ tasks: [task], pruneInterval: '30d' })).toThrow(
      /pruneInterval: at most 24 days/,
    );
    expect(() => fila.worker({ tasks: [task], lease: '1s', heartbeatInterval: '900ms' })).toThrow(
      /heartbeatInterval must be at most half the lease/,
    );
    // A bad grace is refused before anything is closed; close still works afterwards.
    await expect(fila.close({ grace: 'soon' })).rejects.toThrow(/grace: invalid duration/);
    await fila.close();
  });
});
