import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { LOCAL_ACCOUNT_ID } from "./lambda";
import type { RouteMatch } from "./routes";

/**
 * The HTTP API side of a Lambda proxy integration, payload format 2.0: the event API Gateway
 * builds from a request, and how it turns the function's answer into a response.
 */

const LOCAL_API_ID = "local";

/**
 * Checked against AWS (HTTP API, payload 2.0): only these arrive as text; every other type —
 * a missing Content-Type, form posts and multipart included — arrives base64-encoded.
 */
function isTextBody(contentType: string | undefined): boolean {
  const mime = contentType?.split(";")[0]?.trim().toLowerCase();
  if (!mime) return false;
  return (
    mime.startsWith("text/") ||
    ["application/json", "application/xml", "application/javascript"].includes(mime)
  );
}

/** Lower-cased names; a header sent more than once is one comma-joined value, as AWS joins it. */
function collectHeaders(rawHeaders: string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    const value = rawHeaders[index + 1]!;
    if (name === "cookie") {
      cookies.push(
        ...value
          .split(";")
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return parameters;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "12/Mar/2020:19:03:58 +0000", API Gateway's request time format. */
function requestTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** API Gateway's request ids look like "JKJaXmPLvHcESHA=". */
export const newRequestId = () => randomBytes(10).toString("base64");

function traceId(now: Date): string {
  const epochSeconds = Math.floor(now.getTime() / 1000).toString(16);
  return `Root=1-${epochSeconds}-${randomBytes(12).toString("hex")}`;
}

export function httpApiEvent(
  request: IncomingMessage,
  body: Buffer,
  match: RouteMatch,
  requestId: string,
): APIGatewayProxyEventV2 {
  const target = request.url ?? "/";
  const queryStart = target.indexOf("?");
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? "" : target.slice(queryStart + 1);
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  const sourceIp = (request.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  const now = new Date();
  // Headers API Gateway adds on its way to the integration.
  headers["x-forwarded-for"] = headers["x-forwarded-for"]
    ? `${headers["x-forwarded-for"]}, ${sourceIp}`
    : sourceIp;
  headers["x-forwarded-port"] = String(request.socket.localPort ?? "");
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] = traceId(now);
  const domainName = headers.host ?? "localhost";
  const hasBody = body.length > 0;
  const textBody = isTextBody(headers["content-type"]);

  return {
    version: "2.0",
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(rawQueryString && { queryStringParameters: queryParameters(rawQueryString) }),
    ...(match.pathParameters && { pathParameters: match.pathParameters }),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split(".")[0]!,
      http: {
        method: request.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: match.routeKey,
      stage: "$default",
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody && { body: textBody ? body.toString("utf8") : body.toString("base64") }),
    isBase64Encoded: hasBody && !textBody,
    stageVariables: undefined,
  };
}

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export class MalformedLambdaResponse extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An object with a `statusCode` is the structured response format; anything else that is valid
 * JSON (a plain object, a string, null) is sent as a 200 application/json body, as AWS infers it.
 */
export function gatewayResponse(payload: unknown): GatewayResponse {
  if (!isRecord(payload) || !("statusCode" in payload)) {
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      cookies: [],
      body: Buffer.from(JSON.stringify(payload)),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = payload;
  if (
    typeof statusCode !== "number" ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedLambdaResponse(
      `statusCode ${JSON.stringify(statusCode)} is not an HTTP status`,
    );
  }
  if (!isRecord(headers)) throw new MalformedLambdaResponse("headers must be an object");
  if (!Array.isArray(cookies) || cookies.some((cookie) => typeof cookie !== "string")) {
    throw new MalformedLambdaResponse("cookies must be an array of strings");
  }
  if (body !== undefined && body !== null && typeof body !== "string") {
    throw new MalformedLambdaResponse("body must be a string");
  }
  return {
    statusCode,
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
    ),
    cookies: cookies as string[],
    body: Buffer.from(body ?? "", isBase64Encoded === true ? "base64" : "utf8"),
  };
}
