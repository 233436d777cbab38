/**
 * Errors in OpenRouter's shape: `{"error": {"code": <status>, "message": "...", "metadata"?}}`,
 * which `@openrouter/sdk` parses into its per-status classes (BadRequestResponseError,
 * UnauthorizedResponseError, NotFoundResponseError, ConflictResponseError, GoneResponseError,
 * PayloadTooLargeResponseError, TooManyRequestsResponseError, InternalServerResponseError ...),
 * each with `.error.code`, `.error.message`, `.error.metadata`, `.statusCode` and `.headers`.
 */
import { HttpError, type ErrorShape } from "../shared/http";

export class OpenRouterError extends HttpError {
  constructor(
    status: number,
    message: string,
    metadata?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    super(status, { error: { code: status, message, ...(metadata ? { metadata } : {}) } }, headers);
    this.message = message;
  }
}

export const badRequest = (message: string) => new OpenRouterError(400, message);

/** Another key's job answers exactly like a missing one: ids must not leak across keys. */
export const jobNotFound = (id: string) =>
  new OpenRouterError(404, `Video generation job ${id} not found.`);

/** Both real messages: no Authorization header at all, and a key OpenRouter does not know. */
export const MISSING_KEY_MESSAGE = "No cookie auth credentials found";
export const UNKNOWN_KEY_MESSAGE = "User not found.";

/** The shared refusals (bad body, unknown path, no key, injected faults) as OpenRouter words them. */
export const openrouterErrorShape: ErrorShape = (refused) => {
  if (refused.status === 429) {
    const retryAfterSeconds = refused.retryAfterSeconds ?? 1;
    // Like OpenRouter's own rate-limit answers, the limit's headers are echoed in metadata.
    return new OpenRouterError(
      429,
      `Rate limit exceeded. Retry after ${retryAfterSeconds} s.`,
      {
        headers: {
          "X-RateLimit-Limit": "20",
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(Date.now() + retryAfterSeconds * 1000),
        },
      },
      { "retry-after": String(retryAfterSeconds) },
    );
  }
  if (refused.status >= 500) return new OpenRouterError(refused.status, "Internal Server Error");
  return new OpenRouterError(refused.status, refused.message);
};
