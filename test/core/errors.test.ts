import { describe, expect, it } from 'vitest';
import * as errors from '../../src/core/errors.js';
import {
  DuplicateJobError,
  FilaError,
  isUserError,
  JobNotFoundError,
  PermanentError,
} from '../../src/core/errors.js';

describe('errors', () => {
  it('carry a stable code and say whether the caller is at fault', () => {
    const e = new JobNotFoundError('abc');
    expect(e).toBeInstanceOf(FilaError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: 'job_not_found', name: 'JobNotFoundError', jobId: 'abc' });
    expect(isUserError(e)).toBe(true);
    expect(isUserError(new errors.StoreUnavailableError('down'))).toBe(false);
    expect(
      new errors.StoreUnavailableError('down', { cause: new Error('ECONNREFUSED') }).cause,
    ).toBeInstanceOf(Error);
  });

  it('instanceof works for errors from another copy of Fila, by brand and name', async () => {
    // A second, separate instance of the module, as a loader that isolates modules would create.
    // @ts-expect-error -- the same module under a query string: TypeScript cannot resolve it, Vite loads a second copy.
    const copy = (await import('../../src/core/errors.js?copy=1')) as typeof errors;
    expect(copy.PermanentError).not.toBe(PermanentError);
    const foreign = new copy.PermanentError('bad row');
    expect(foreign).toBeInstanceOf(PermanentError);
    expect(foreign).toBeInstanceOf(FilaError);
    expect(foreign).not.toBeInstanceOf(DuplicateJobError);
    expect(new PermanentError('x')).toBeInstanceOf(copy.PermanentError);
    expect(new Error('plain')).not.toBeInstanceOf(FilaError);
  });
});
