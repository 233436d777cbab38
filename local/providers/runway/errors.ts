/**
 * Errors in Runway's shape: `{"error": "<text>"}` with the status saying what kind. The SDK maps
 * the status to its class (BadRequestError, AuthenticationError, NotFoundError, RateLimitError,
 * InternalServerError) and puts the whole body in the message: `400 {"error":"..."}`.
 */
import { HttpError, type ErrorShape } from "../shared/http";

export class RunwayError extends HttpError {
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(status, { error: message }, headers);
    this.message = message;
  }
}

export const badRequest = (message: string) => new RunwayError(400, message);

/** A missing task, another key's task and a deleted one all read the same. */
export const taskNotFound = () => new RunwayError(404, "Task not found.");

/** The shared refusals (bad body, unknown path, no key, injected faults) as Runway words them. */
export const runwayErrorShape: ErrorShape = (refused) => {
  switch (refused.status) {
    case 401:
      return new RunwayError(401, "Invalid API key.");
    case 429:
      return new RunwayError(429, "You have exceeded the rate limit. Please try again later.", {
        "retry-after": String(refused.retryAfterSeconds ?? 1),
      });
    default:
      return new RunwayError(
        refused.status,
        refused.status >= 500 ? "An unexpected error occurred." : refused.message,
      );
  }
};
