/**
 * Errors in OpenAI's shape: `{"error": {message, type, param, code}}`, so the official SDK maps
 * each status to its own error class (BadRequestError, NotFoundError, RateLimitError, ...).
 */

export type ErrorType = "invalid_request_error" | "rate_limit_error" | "server_error";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body() {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

export const badRequest = (message: string, param: string | null = null) =>
  new ApiError(400, message, "invalid_request_error", param);

export const invalidApiKey = () =>
  new ApiError(
    401,
    "Incorrect API key provided.",
    "invalid_request_error",
    null,
    "invalid_api_key",
  );

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

export const routeNotFound = (method: string, path: string) =>
  new ApiError(404, `Invalid URL (${method} ${path})`, "invalid_request_error");

export const tooLarge = (limitBytes: number) =>
  new ApiError(413, `Request body larger than ${limitBytes} bytes.`, "invalid_request_error");

export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError(
    429,
    "Rate limit reached for requests. Please try again later.",
    "rate_limit_error",
    null,
    "rate_limit_exceeded",
    { "retry-after": String(retryAfterSeconds) },
  );

export const serverError = () =>
  new ApiError(
    500,
    "The server had an error while processing your request. Sorry about that!",
    "server_error",
  );
