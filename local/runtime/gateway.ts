import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FunctionModel } from "../infra/model";
import {
  gatewayResponse,
  httpApiEvent,
  MalformedLambdaResponse,
  newRequestId,
  type GatewayResponse,
} from "./http-api-event";
import type { InvocationResult } from "./lambda";
import { createRouter, type Route, type RouteMatch } from "./routes";
import { proxyToSite } from "./site-proxy";

/** The HTTP API's payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  routes: Route[];
  host: string;
  port: number;
  /** Where requests for anything but the API go (the site); without it they get a 404. */
  siteUrl?: string;
  /** Paths the API owns even where no route matches: they get the API's 404, never the site. */
  apiPathPrefix?: string;
  /** The HTTP API gives up on an integration after this long (30 s on AWS). */
  integrationTimeoutMs: number;
  invoke: (fn: FunctionModel, event: unknown) => Promise<InvocationResult>;
  log: (line: string) => void;
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

function sendResponse(response: ServerResponse, reply: GatewayResponse, requestId: string) {
  const setCookie = [reply.headers["set-cookie"] ?? [], reply.cookies].flat();
  response.writeHead(reply.statusCode, {
    ...reply.headers,
    ...(setCookie.length > 0 && { "set-cookie": setCookie }),
    "content-length": reply.body.length,
    "apigw-requestid": requestId,
  });
  response.end(reply.body);
}

/** API Gateway's own error replies: `{"message": "..."}`. */
function sendGatewayError(
  response: ServerResponse,
  statusCode: number,
  message: string,
  requestId: string,
) {
  sendResponse(
    response,
    {
      statusCode,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(JSON.stringify({ message })),
    },
    requestId,
  );
}

/** The whole body, or undefined once it passes the limit (the rest is not read). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(request.headers["content-length"] ?? 0) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const INTEGRATION_TIMED_OUT = Symbol("integration timed out");

function withIntegrationTimeout<T>(work: Promise<T>, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof INTEGRATION_TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(INTEGRATION_TIMED_OUT), timeoutMs);
  });
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
}

/** HTTP API in front of the handlers, with the site behind it for everything else. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const router = createRouter(options.routes);
  const siteUrl = options.siteUrl ? new URL(options.siteUrl) : undefined;
  const prefix = options.apiPathPrefix;
  const isApiPath = (path: string) =>
    prefix !== undefined && (path === prefix || path.startsWith(`${prefix}/`));
  const inFlight = new Set<Promise<void>>();

  async function serveApi(
    request: IncomingMessage,
    response: ServerResponse,
    match: RouteMatch | undefined,
    requestId: string,
  ) {
    if (!match) return sendGatewayError(response, 404, "Not Found", requestId);

    const body = await readBody(request, MAX_REQUEST_BYTES);
    if (!body) {
      response.setHeader("connection", "close");
      return sendGatewayError(response, 413, "Request Entity Too Large", requestId);
    }
    const event = httpApiEvent(request, body, match, requestId);
    const outcome = await withIntegrationTimeout(
      options.invoke(match.route.fn, event),
      options.integrationTimeoutMs,
    );
    if (outcome === INTEGRATION_TIMED_OUT) {
      options.log(`${match.routeKey} ${requestId}: integration timed out`);
      return sendGatewayError(response, 503, "Service Unavailable", requestId);
    }
    if (outcome.kind === "requestTooLarge") {
      return sendGatewayError(response, 413, "Request Entity Too Large", requestId);
    }
    if (outcome.kind === "functionError") {
      return sendGatewayError(response, 500, "Internal Server Error", requestId);
    }
    try {
      sendResponse(response, gatewayResponse(outcome.payload), requestId);
    } catch (error) {
      if (!(error instanceof MalformedLambdaResponse)) throw error;
      options.log(`${match.routeKey} ${requestId}: malformed Lambda response: ${error.message}`);
      sendGatewayError(response, 500, "Internal Server Error", requestId);
    }
  }

  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    const match = router.match(request.method ?? "GET", path);
    if (!match && siteUrl && !isApiPath(path)) {
      proxyToSite(request, response, siteUrl, options.log);
      return;
    }
    const requestId = newRequestId();
    const serving = serveApi(request, response, match, requestId).catch((error: unknown) => {
      options.log(`gateway ${request.method} ${request.url}: ${(error as Error).stack ?? error}`);
      if (response.headersSent) {
        response.destroy();
      } else {
        sendGatewayError(response, 500, "Internal Server Error", requestId);
      }
    });
    inFlight.add(serving);
    void serving.finally(() => inFlight.delete(serving));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host}:${port}`;

  return {
    url,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.all(inFlight);
      // What is left is proxied site traffic (long downloads, event streams): cut it.
      server.closeAllConnections();
      await closed;
    },
  };
}
