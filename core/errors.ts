/**
 * The one error type a user ever sees. Anything else that escapes a handler is an internal error:
 * logged in full, answered as a bare 500.
 */
export class TakesError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "TakesError";
  }

  toJSON() {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (code: string, message: string) => new TakesError(400, code, message);
export const notFound = (message = "Not found.") => new TakesError(404, "not_found", message);
export const unauthorized = (message = "A valid credential is required.") =>
  new TakesError(401, "unauthorized", message);
