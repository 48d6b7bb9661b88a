/**
 * JSON serialization with a size cap. Payloads, results and metadata are stored as JSON text; the cap
 * (1 MiB by default) keeps one bad producer from filling the store.
 */
import { PayloadTooLargeError, ValidationError } from './errors.js';

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Serializes `value` (undefined becomes null) and enforces `limitBytes`. */
export function toJsonText(value: unknown, what: string, limitBytes: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (e) {
    throw new ValidationError(`${what} is not JSON-serializable: ${(e as Error).message}`, { cause: e });
  }
  if (text === undefined) throw new ValidationError(`${what} is not JSON-serializable (${typeof value})`);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only measure when the text could be over the limit.
  if (text.length * 3 > limitBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > limitBytes) throw new PayloadTooLargeError(what, bytes, limitBytes);
  }
  return text;
}
