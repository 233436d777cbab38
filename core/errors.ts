/**
 * The one error type a user ever sees. Anything else that escapes a handler is an internal error:
 * logged in full, answered as a bare 500. `status` is HTTP's vocabulary for how it went wrong (the
 * API answers with it, the site's forms too); nothing else about HTTP lives in core/.
 */
export interface TakesErrorDetails {
  /** The request field the error concerns, so a form can show it beside that field. */
  field?: string;
  /** For a refusal that lifts with time (rate limits): when to try again. */
  retryAfterSeconds?: number;
}

export class TakesError extends Error {
  readonly field?: string;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    details: TakesErrorDetails = {},
  ) {
    super(message);
    this.name = "TakesError";
    this.field = details.field;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** The API's error body. A field's message names the field, as a reader of raw JSON needs. */
  toJSON() {
    const message = this.field ? `${this.field}: ${this.message}` : this.message;
    return { error: { code: this.code, message } };
  }
}

export const badRequest = (code: string, message: string, field?: string) =>
  new TakesError(400, code, message, { field });
export const notFound = (message = "Not found.") => new TakesError(404, "not_found", message);
export const unauthorized = (message = "A valid credential is required.") =>
  new TakesError(401, "unauthorized", message);
