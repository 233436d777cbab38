import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { TakesError } from "#core/errors";
import { log } from "#core/log";

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  } satisfies HttpResult;
}

/**
 * Wraps an HTTP handler: a TakesError becomes its JSON error reply; anything else is logged and
 * answered as a bare 500, so internals never leak into a response.
 */
export function httpHandler(run: (event: HttpEvent) => Promise<HttpResult>) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    try {
      return await run(event);
    } catch (error) {
      if (error instanceof TakesError) {
        const retryAfter = error.retryAfterSeconds;
        return json(error.status, error.toJSON(), {
          ...(retryAfter !== undefined && { "retry-after": String(retryAfter) }),
        });
      }
      log.error("unhandled error", { error: error as Error, route: event.routeKey });
      return json(500, {
        error: { code: "internal", message: "Something went wrong on our side." },
      });
    }
  };
}
