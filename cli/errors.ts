/**
 * What can go wrong, sorted by what the person (or script) should do about it: each class has its
 * own exit code, documented in `takes --help` and the README.
 */

export const EXIT = {
  ok: 0,
  /** Anything else: Takes unreachable, an internal error, a file that cannot be written. */
  failure: 1,
  /** Fix the command: a usage error, or the API refused the input (400, 404, 409, 422…). */
  badInput: 2,
  /** Fix the credential: none, unknown, revoked or not allowed (401, 403). */
  auth: 3,
  /** Wait or ask for more: rate limited or out of quota (429, 402). */
  quota: 4,
  /** Try again later: the provider failed (502, 503), or the video ended failed or expired. */
  provider: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  other failures (Takes unreachable, an internal error, a file not written)
  2  bad input: a usage error, or the API refused the request (400, 404, 409, 422)
  3  authentication: no credential, or one refused (401, 403)
  4  quota or rate limit (402, 429)
  5  provider failure (502, 503), or the video ended failed or expired`;

/** An error the CLI reports as it is: its message, then exit with its code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The API's error code, or the CLI's own, for --json output. */
    readonly code = "cli_error",
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The exit code for an API error reply. */
function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 402 || status === 429) return EXIT.quota;
  if (status === 502 || status === 503 || status === 504) return EXIT.provider;
  if (status >= 400 && status < 500) return EXIT.badInput;
  return EXIT.failure;
}

/** The API's `{error: {code, message}}` reply, with its HTTP status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(exitCodeFor(status), message, code);
    this.name = "ApiError";
  }
}

export const usageError = (message: string) => new CliError(EXIT.badInput, message, "usage");
