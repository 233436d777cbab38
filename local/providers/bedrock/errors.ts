/**
 * Errors as Bedrock's REST-JSON protocol sends them: a status, the error's name in the
 * `x-amzn-ErrorType` header and `{"message": "..."}` as the body, plus the `x-amzn-RequestId`
 * every answer carries. `@aws-sdk/client-bedrock-runtime` takes the name from that header (then
 * `code`, then `__type` in the body) and throws its class of that name (ValidationException,
 * ThrottlingException ...) with `message` from the body; a name it does not model, such as the
 * signature errors, becomes a BedrockRuntimeServiceException with that `name`.
 */
import { randomUUID } from "node:crypto";
import { HttpError, type ErrorShape } from "../shared/http";

const STATUS = {
  ValidationException: 400,
  ConflictException: 400,
  AccessDeniedException: 403,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
  UnknownOperationException: 404,
  ThrottlingException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
} as const;

export type BedrockErrorName = keyof typeof STATUS;

/** Every Bedrock answer names its request. */
export const requestIdHeader = () => ({ "x-amzn-requestid": randomUUID() });

export class BedrockError extends HttpError {
  constructor(
    readonly type: BedrockErrorName,
    message: string,
  ) {
    super(STATUS[type], { message }, { ...requestIdHeader(), "x-amzn-errortype": type });
    this.message = message;
  }
}

export const validationError = (message: string) =>
  new BedrockError("ValidationException", message);

/** The AWS service-framework wording for a field that breaks its declared constraint. */
export function constraintError(violations: string[]) {
  const count = `${violations.length} validation error${violations.length === 1 ? "" : "s"}`;
  return validationError(`${count} detected: ${violations.join("; ")}`);
}

const THROTTLED_MESSAGE = "Too many requests, please wait before trying again.";

/** The shared refusals (unreadable body, unknown path, injected faults) as Bedrock words them. */
export const bedrockErrorShape: ErrorShape = (refused) => {
  const { status, message } = refused;
  if (status === 429) return new BedrockError("ThrottlingException", THROTTLED_MESSAGE);
  if (status === 503) {
    return new BedrockError(
      "ServiceUnavailableException",
      "Bedrock is unable to process your request.",
    );
  }
  if (status >= 500) {
    return new BedrockError(
      "InternalServerException",
      "An internal server error occurred. Retry your request.",
    );
  }
  if (status === 404) return new BedrockError("UnknownOperationException", message);
  if (status === 401 || status === 403) return new BedrockError("AccessDeniedException", message);
  return validationError(message);
};
