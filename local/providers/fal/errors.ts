/**
 * Errors in fal's shapes, so `@fal-ai/client` raises what it raises against fal: `ApiError` for
 * any non-2xx JSON answer, `ValidationError` (with `fieldErrors` / `getFieldErrors`) for a 422.
 *
 * - Refusals of the API itself: `{detail: "<text>"}` (401, 404, 400 ...).
 * - Model errors (the model rejected its input): 422 `{detail: [{loc, msg, type, ...}]}`, in
 *   FastAPI/pydantic v2 wording for schema errors and with a `url` into fal's error docs for
 *   fal's own types (content_policy_violation, file_download_error, image_load_error ...).
 * - Request errors (infrastructure): `{detail, error_type}` plus header `X-Fal-Error-Type`, with
 *   the status fal's "Request Error Types" page gives each type.
 */
import { HttpError, type ErrorShape } from "../shared/http";

/** One entry of a 422's `detail` array. */
export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
  url?: string;
}

/** Any answer the queue keeps for a request: its result or its error, as sent. */
export interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export const detailError = (status: number, detail: string, headers: Record<string, string> = {}) =>
  new HttpError(status, { detail }, headers);

export const validationFailure = (errors: FieldError[]): Reply =>
  new HttpError(422, { detail: errors });

/** fal's request error types and the status each typically comes with (fal docs, 2026-11). */
const REQUEST_ERROR_STATUS: Record<string, number> = {
  request_timeout: 504,
  startup_timeout: 504,
  runner_scheduling_failure: 503,
  runner_connection_timeout: 503,
  runner_disconnected: 503,
  runner_connection_refused: 503,
  runner_connection_error: 503,
  runner_incomplete_response: 502,
  runner_server_error: 500,
  client_disconnected: 499,
  client_cancelled: 499,
  bad_request: 400,
  internal_error: 500,
};

export const isRequestErrorType = (type: string) => type in REQUEST_ERROR_STATUS;

export const requestError = (errorType: string, detail: string): Reply =>
  new HttpError(
    REQUEST_ERROR_STATUS[errorType] ?? 500,
    { detail, error_type: errorType },
    { "x-fal-error-type": errorType },
  );

/** A model error of one of fal's documented types, pointing at its entry in fal's docs. */
export const modelError = (
  type: string,
  msg: string,
  loc: (string | number)[],
  input?: unknown,
): FieldError => ({ loc, msg, type, url: `https://docs.fal.ai/errors#${type}`, input });

export const requestNotFound = () => detailError(404, "Request not found");

/** The shared refusals (no key, bad body, unknown path, injected faults) as fal words them. */
export const falErrorShape: ErrorShape = (refused) => {
  if (refused.status === 429) {
    // fal's own client ignores Retry-After; the header is there for clients that read it.
    return detailError(429, "Too many requests: the rate limit was exceeded.", {
      "retry-after": String(refused.retryAfterSeconds ?? 1),
    });
  }
  if (refused.status >= 500) {
    return new HttpError(
      refused.status,
      { detail: "Internal server error", error_type: "internal_error" },
      { "x-fal-error-type": "internal_error" },
    );
  }
  return detailError(refused.status, refused.message);
};
