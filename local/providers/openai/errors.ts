/**
 * Errors in OpenAI's shape: `{"error": {message, type, param, code}}`, so the official SDK maps
 * each status to its own error class (BadRequestError, NotFoundError, RateLimitError, ...).
 */
import { HttpError, type ErrorShape } from "../shared/http";

export type ErrorType = "invalid_request_error" | "rate_limit_error" | "server_error";

export class ApiError extends HttpError {
  constructor(
    status: number,
    message: string,
    type: ErrorType,
    param: string | null = null,
    code: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(status, { error: { message, type, param, code } }, headers);
    this.message = message;
  }
}

export const badRequest = (message: string, param: string | null = null) =>
  new ApiError(400, message, "invalid_request_error", param);

/** What OpenAI answers for an id that does not exist (or belongs to another key). */
export const videoNotFound = (id: string) =>
  new ApiError(404, `Video with id '${id}' not found.`, "invalid_request_error", null, "not_found");

export const contentNotReady = (id: string, status: string) =>
  new ApiError(
    404,
    `Video ${id} is ${status}; its content is only available once it has completed.`,
    "invalid_request_error",
    null,
    "video_not_ready",
  );

/** Callers tell this 404 from "not ready" by its code (and the word "expired"). */
export const contentExpired = (id: string, expiresAt: number) =>
  new ApiError(
    404,
    `The content of video ${id} expired at ${new Date(expiresAt * 1000).toISOString()}.`,
    "invalid_request_error",
    null,
    "video_content_expired",
  );

/** The shared refusals (bad body, unknown path, no key, injected faults) as OpenAI words them. */
export const openaiErrorShape: ErrorShape = (refused) => {
  switch (refused.status) {
    case 401:
      return new ApiError(
        401,
        "Incorrect API key provided.",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
    case 429:
      return new ApiError(429, refused.message, "rate_limit_error", null, "rate_limit_exceeded", {
        "retry-after": String(refused.retryAfterSeconds ?? 1),
      });
    default:
      return new ApiError(
        refused.status,
        refused.message,
        refused.status >= 500 ? "server_error" : "invalid_request_error",
      );
  }
};
