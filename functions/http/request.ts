import { requestAddress } from "#core/address-limits";
import { resolveCredential, type ResolvedCredential } from "#core/credentials";
import { badRequest, TakesError, unauthorized } from "#core/errors";
import { resumeSession, sessionCookie } from "#core/session";
import { cookieValue, isSameOrigin } from "./headers";
import type { HttpEvent } from "./respond";

const header = (event: HttpEvent, name: string) => event.headers?.[name.toLowerCase()];

/** Methods that change nothing, so a cross-site request cannot make them do harm. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether the client reached Takes over HTTPS: API Gateway and the local runtime say how in
 * `x-forwarded-proto`; only the local runtime says plain http.
 */
const overHttps = (event: HttpEvent) =>
  header(event, "x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() !== "http";

/**
 * The site's session cookie, from payload 2.0's `cookies` (or a plain `cookie` header): over HTTPS
 * only the `__Host-` one, which no subdomain or plain-http page can have set.
 */
function sessionCookieValue(event: HttpEvent): string | undefined {
  const { name } = sessionCookie(overHttps(event));
  const fromArray = event.cookies?.map((cookie) => cookieValue(cookie, name)).find(Boolean);
  return fromArray ?? cookieValue(header(event, "cookie"), name);
}

/** The client's network address (core/client-address.ts), for the limits that hold per address. */
export const callerAddress = (event: HttpEvent) =>
  requestAddress((name) => header(event, name), event.requestContext?.http?.sourceIp ?? "");

/**
 * The caller: from `Authorization: Bearer <credential>` when present, else from the site's session
 * cookie while its session lasts (core/session.ts); 401 without either. A cookie rides along on requests other sites make the browser send,
 * so a cookie-authenticated request that changes anything must come from a page of this origin:
 * its `Origin` header must name the host it was sent to (403 otherwise).
 */
export async function authenticate(event: HttpEvent): Promise<ResolvedCredential> {
  const authorization = header(event, "authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw unauthorized();
    return resolveCredential(match[1], { address: callerAddress(event) });
  }
  const caller = (await resumeSession(sessionCookieValue(event)))?.caller;
  if (!caller) throw unauthorized();
  const method = event.requestContext?.http?.method?.toUpperCase() ?? "GET";
  const host = header(event, "x-forwarded-host") ?? header(event, "host");
  if (!SAFE_METHODS.has(method) && !isSameOrigin(header(event, "origin"), host)) {
    throw new TakesError(
      403,
      "cross_origin",
      "Requests signed in with the session cookie must come from Takes' own pages.",
    );
  }
  return caller;
}

/** The body as sent, decoded from base64 when API Gateway encoded it. */
export function rawBody(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
}

const mediaType = (event: HttpEvent) =>
  (header(event, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();

export const isMultipart = (event: HttpEvent) => mediaType(event) === "multipart/form-data";

/**
 * What a body may hold before it is parsed at all, so a flood of bytes or of tiny fields costs
 * a length check, not a parse. A JSON request is a few short fields (a prompt is at most 4,000
 * characters); a multipart one those fields and at most two images of 4 MiB.
 */
export const MAX_JSON_BYTES = 64 * 1024;
export const MAX_FORM_BYTES = 2 * 4 * 1024 * 1024 + MAX_JSON_BYTES;
export const MAX_FORM_PARTS = 16;

const tooLarge = (what: string, limit: string) =>
  new TakesError(413, "payload_too_large", `${what} is larger than the ${limit} Takes accepts.`);

/** How many times `boundary` delimits a part in `body`, counting no further than `max` + 1. */
function countParts(body: Buffer, boundary: string, max: number): number {
  const delimiter = Buffer.from(`--${boundary}`);
  let count = 0;
  for (let at = body.indexOf(delimiter); at !== -1 && count <= max; count++) {
    at = body.indexOf(delimiter, at + delimiter.length);
  }
  // The last delimiter closes the body rather than opening a part.
  return Math.max(0, count - 1);
}

/**
 * A JSON body as an object, for a use case to validate: 415 for another content type, 400 for bad
 * JSON or anything but an object.
 */
export function jsonBody(event: HttpEvent): Record<string, unknown> {
  if (mediaType(event) !== "application/json") {
    throw new TakesError(
      415,
      "unsupported_media_type",
      "Send the request body as application/json.",
    );
  }
  const body = rawBody(event);
  if (body.byteLength > MAX_JSON_BYTES) throw tooLarge("The request body", "64 KiB");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw badRequest("malformed_json", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("invalid_request", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/**
 * What a request sent, handed to a use case as its input. Use cases validate their input at the
 * door (core/fn.ts), so the body needs no type of its own here: the parse gives it one.
 */
export const unchecked = (input: Record<string, unknown>) => input as never;

/** A multipart/form-data body, parsed by the platform's own (undici) parser. */
export async function formBody(event: HttpEvent): Promise<FormData> {
  const body = rawBody(event);
  const contentType = header(event, "content-type") ?? "";
  if (body.byteLength > MAX_FORM_BYTES) throw tooLarge("The form", "8 MiB");
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary && countParts(body, boundary, MAX_FORM_PARTS) > MAX_FORM_PARTS) {
    throw badRequest("too_many_fields", `A form carries at most ${MAX_FORM_PARTS} fields.`);
  }
  try {
    return await new Request("http://form.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }).formData();
  } catch {
    throw badRequest("malformed_multipart", "The multipart body could not be read.");
  }
}

export function pathParameter(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw badRequest("invalid_path", `The path needs a ${name}.`);
  return value;
}

export const queryParameter = (event: HttpEvent, name: string) =>
  event.queryStringParameters?.[name];
