/**
 * One table from error code to HTTP status, and the one error body: `{ "error": { "code", "message" } }`.
 * Every error the API answers goes through `errorResponse`; anything without a known code is a 500 whose
 * message hides the details (they are logged by the caller).
 */
import { FilaError } from '../core/errors.js';

export const STATUS_BY_CODE: Record<string, number> = {
  invalid_argument: 400,
  invalid_payload: 400,
  invalid_json: 400,
  unknown_task: 400,
  unsupported: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  job_not_found: 404,
  method_not_allowed: 405,
  invalid_state: 409,
  duplicate_job: 409,
  replay_too_long: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  store_unavailable: 503,
  client_closed: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** An error the API answers with a given code (and so a given status). */
export class ApiError extends FilaError {
  constructor(code: string, message: string) {
    super(code, message, { userError: (STATUS_BY_CODE[code] ?? 500) < 500 });
  }
}

/** Status and body for any thrown value. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof FilaError && STATUS_BY_CODE[error.code] !== undefined) {
    return { status: STATUS_BY_CODE[error.code]!, body: errorBody(error.code, error.message) };
  }
  return { status: 500, body: errorBody('internal', 'internal error') };
}
