/**
 * Fila's errors. Every error Fila throws is a `FilaError` with a stable string `code`, so callers,
 * the HTTP server (one table from code to status) and the CLI (exit codes) can tell them apart
 * without parsing messages. Native errors from a store are wrapped, never leaked, and kept as `cause`.
 */

export interface FilaErrorOptions {
  cause?: unknown;
}

/** Marks Fila's errors across copies of this module (bundlers, loaders that isolate modules). */
const BRAND = Symbol.for('fila.error');

export class FilaError extends Error {
  /**
   * `instanceof` works across copies of Fila loaded side by side (a worker's tasks loaded through tsx
   * get their own copy): a value is an instance if it carries Fila's brand and the class's name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || (value as { [BRAND]?: unknown })[BRAND] !== true)
      return false;
    return (
      this === FilaError ||
      Function.prototype[Symbol.hasInstance].call(this, value) ||
      (value as Error).name === this.name
    );
  }

  readonly [BRAND] = true;
  readonly code: string;
  /** True when the error is the caller's fault (bad input, unknown id, wrong state): retrying won't help. */
  readonly userError: boolean;

  constructor(code: string, message: string, options: FilaErrorOptions & { userError?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.userError = options.userError ?? false;
  }
}

/** An argument or option is invalid. The message names it and says what is accepted. */
export class ValidationError extends FilaError {
  constructor(message: string, options?: FilaErrorOptions) {
    super('invalid_argument', message, { ...options, userError: true });
  }
}

export interface SchemaIssue {
  message: string;
  path?: string;
}

/** A payload failed the task's schema. */
export class PayloadValidationError extends FilaError {
  readonly issues: SchemaIssue[];
  constructor(task: string, issues: SchemaIssue[], options?: FilaErrorOptions) {
    const detail = issues
      .slice(0, 5)
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; ');
    super('invalid_payload', `payload for task "${task}" is invalid: ${detail}`, {
      ...options,
      userError: true,
    });
    this.issues = issues;
  }
}

/** A payload, result or metadata object is larger than the configured cap. */
export class PayloadTooLargeError extends FilaError {
  constructor(what: string, bytes: number, limit: number) {
    super('payload_too_large', `${what} is ${bytes} bytes, more than the limit of ${limit} bytes`, {
      userError: true,
    });
  }
}

export class UnknownTaskError extends FilaError {
  constructor(task: string, known?: string[]) {
    const hint = known && known.length ? ` (known tasks: ${known.slice(0, 10).join(', ')})` : '';
    super('unknown_task', `unknown task "${task}"${hint}`, { userError: true });
  }
}

export class JobNotFoundError extends FilaError {
  readonly jobId: string;
  constructor(jobId: string) {
    super('job_not_found', `job "${jobId}" not found`, { userError: true });
    this.jobId = jobId;
  }
}

/** The job is not in a state that allows the operation (cancel a completed job, remove an active one). */
export class JobStateError extends FilaError {
  constructor(message: string) {
    super('invalid_state', message, { userError: true });
  }
}

/** Enqueue with `dedup: 'reject'` found an unfinished job with the same key. */
export class DuplicateJobError extends FilaError {
  readonly existingId: string;
  constructor(key: string, existingId: string) {
    super('duplicate_job', `an unfinished job with key "${key}" already exists (${existingId})`, {
      userError: true,
    });
    this.existingId = existingId;
  }
}

/** The caller's lease on a job is no longer valid: it expired and was rescued, or the job was removed. */
export class LeaseLostError extends FilaError {
  constructor(jobId: string) {
    super('lease_lost', `lease on job "${jobId}" was lost; its outcome is discarded`);
  }
}

/** The store cannot be reached or stayed locked past its retry budget. Safe to retry later. */
export class StoreUnavailableError extends FilaError {
  constructor(message: string, options?: FilaErrorOptions) {
    super('store_unavailable', message, options);
  }
}

/**
 * A call on a Fila client after `close()`. Not a user error: the request itself may be fine (an outbox
 * relay must not set an entry aside because the client it used was closed).
 */
export class ClientClosedError extends FilaError {
  constructor() {
    super('client_closed', 'this Fila client is closed');
  }
}

/** The database was migrated by a newer Fila than this one. */
export class SchemaVersionError extends FilaError {
  constructor(found: number, known: number) {
    super(
      'schema_too_new',
      `the store's schema is at version ${found}, newer than this Fila knows (${known}); upgrade Fila`,
    );
  }
}

/** The store does not support the requested capability. */
export class UnsupportedError extends FilaError {
  constructor(message: string) {
    super('unsupported', message, { userError: true });
  }
}

/** An attempt ran past its time limit. The handler's signal was aborted with this reason. */
export class JobTimeoutError extends FilaError {
  constructor(timeoutMs: number) {
    super('job_timeout', `attempt timed out after ${timeoutMs} ms`);
  }
}

/** The job was cancelled while running. The handler's signal was aborted with this reason. */
export class JobCancelledError extends FilaError {
  constructor(jobId: string) {
    super('job_cancelled', `job "${jobId}" was cancelled`);
  }
}

/** The worker is shutting down; the job goes back to the queue without spending an attempt. */
export class WorkerShutdownError extends FilaError {
  constructor() {
    super('worker_shutdown', 'worker is shutting down; the job was released for another worker');
  }
}

/**
 * Thrown by a handler (or via `ctx.fail`) to fail the job at once, without retries:
 * for input that will never succeed.
 */
export class PermanentError extends FilaError {
  constructor(message: string, options?: FilaErrorOptions) {
    super('permanent', message, options);
  }
}

/** Thrown by a handler to retry after a given delay (e.g. an upstream's Retry-After), still spending an attempt. */
export class RetryAfterError extends FilaError {
  readonly delayMs: number;
  constructor(message: string, delayMs: number, options?: FilaErrorOptions) {
    super('retry_after', message, options);
    this.delayMs = delayMs;
  }
}

/** True for errors that are the caller's fault (exit code 2 in the CLI, 4xx in the API). */
export function isUserError(error: unknown): boolean {
  return error instanceof FilaError && error.userError;
}
