/**
 * Payload schemas through Standard Schema (https://standardschema.dev): zod, valibot, arktype and others
 * all expose `~standard.validate`, so Fila accepts any of them without depending on one.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { SchemaIssue } from './errors.js';

export type { StandardSchemaV1 };

export type SchemaOutcome<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof std === 'object' && std !== null && typeof std.validate === 'function';
}

/**
 * Validates `value`. Returns synchronously when the schema does (most do), so enqueue can stay
 * synchronous inside an application's SQLite transaction; otherwise a promise.
 */
export function validateWithSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): SchemaOutcome<T> | Promise<SchemaOutcome<T>> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) return result.then(toOutcome);
  return toOutcome(result);
}

function toOutcome<T>(result: StandardSchemaV1.Result<T>): SchemaOutcome<T> {
  if (result.issues) return { ok: false, issues: result.issues.map(toIssue) };
  return { ok: true, value: result.value };
}

function toIssue(issue: StandardSchemaV1.Issue): SchemaIssue {
  const path = issue.path
    ?.map((p) => (typeof p === 'object' && p !== null && 'key' in p ? p.key : p))
    .map((k) => String(k))
    .join('.');
  return path ? { message: issue.message, path } : { message: issue.message };
}
