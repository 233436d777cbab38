import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { Resource } from "sst/resource";
import {
  INTERACTIVE_DEADLINE_MS,
  ProviderUnavailable,
  providerFailureToTakesError,
} from "./contract";
import { failureForStatus } from "./http";

/**
 * The official `openai` SDK, set up once for everything Takes asks an OpenAI-compatible API: the
 * video adapter, and the text and image models behind prompt improvement and reference images.
 * One base URL for all of them (Resource.ProviderBaseUrl): a gateway or the local emulator.
 */

export interface ClientOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** The SDK retries 408/409/429/5xx and connection errors itself, honouring retry-after. */
  maxRetries: number;
}

// A client per call: it holds the caller's key, which must not outlive the request in a cache.
export const openaiClient = (credential: string, options: ClientOptions) =>
  new OpenAI({
    apiKey: credential,
    baseURL: Resource.ProviderBaseUrl.value,
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
  });

/** The provider's own message from the error body, without the SDK's "400 " status prefix. */
function providerMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" && body.message ? body.message : error.message;
}

/**
 * SDK errors as the contract's typed failures; anything else (a bug) passes through unchanged.
 * `service` names what failed in the messages a person reads ("The text model is unavailable.").
 */
export function toProviderFailure(error: unknown, service = "video provider"): unknown {
  // Connection errors (timeouts included) are APIErrors without a status.
  if (error instanceof APIConnectionError) {
    return new ProviderUnavailable(`The ${service} is unavailable.`);
  }
  if (!(error instanceof APIError) || error.status === undefined) return error;
  // The OpenAI shape names the offending parameter; Takes' request fields share the names that
  // matter to a person (prompt, model, seconds, size).
  const field = error.param === "input_reference" ? "reference" : (error.param ?? undefined);
  return failureForStatus(
    {
      status: error.status,
      headers: error.headers,
      message: providerMessage(error),
      code: error.code ?? undefined,
      field,
    },
    service,
  );
}

/**
 * One call for a person waiting on an HTTP reply: a single retry (a second one could not finish
 * inside the deadline anyway), an overall deadline that also cuts a retry-after wait short, and
 * every failure as the TakesError the person should see.
 */
export async function interactiveCall<T>(
  credential: string,
  service: string,
  run: (client: OpenAI, options: { signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(INTERACTIVE_DEADLINE_MS);
  const client = openaiClient(credential, { timeoutMs: INTERACTIVE_DEADLINE_MS, maxRetries: 1 });
  try {
    return await run(client, { signal });
  } catch (error) {
    // Our own deadline aborts the request; the SDK reports that as if the user had.
    const failure =
      error instanceof APIUserAbortError && signal.aborted
        ? new ProviderUnavailable(
            `The ${service} did not answer within ${INTERACTIVE_DEADLINE_MS / 1000} seconds.`,
          )
        : toProviderFailure(error, service);
    throw providerFailureToTakesError(failure) ?? failure;
  }
}
