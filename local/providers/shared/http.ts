/**
 * The small HTTP toolkit every provider's emulator shares: reading a body (JSON or multipart) into
 * plain fields, and answering with JSON, an error or a file. Errors are provider-neutral here; each
 * provider's module gives them its own wire shape (ErrorShape).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";

/** Uploads are reference images; 64 MB is far above any real one and keeps memory bounded. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A request body as fields: JSON values as sent, multipart text as strings and files as File. */
export type Fields = Record<string, unknown>;

/** An answer other than success, already in its provider's shape. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * A request the shared code refuses before any provider logic runs (an unreadable or oversized
 * body, an unknown path, a missing key, an injected fault); the provider's ErrorShape words it.
 */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** How one provider words an error: its body shape for a status and message. */
export type ErrorShape = (refused: RequestRefused) => HttpError;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new RequestRefused(413, `Request body larger than ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Multipart keys like `input_reference[image_url]` (the OpenAI SDK's encoding of nested objects)
 * become nested objects again, so JSON and multipart bodies look the same to the routes.
 */
function setField(fields: Fields, key: string, value: unknown) {
  const nested = /^([^[\]]+)\[([^[\]]+)\]$/.exec(key);
  if (!nested) {
    fields[key] = value;
    return;
  }
  const [, outer = "", inner = ""] = nested;
  const current = fields[outer];
  const object =
    current && typeof current === "object" && !(current instanceof Blob) ? (current as Fields) : {};
  object[inner] = value;
  fields[outer] = object;
}

/** Reads a JSON or multipart body; an empty body is no fields. */
export async function readFields(req: IncomingMessage): Promise<Fields> {
  const body = await readBody(req);
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    // The Web Request parser does the multipart work (boundaries, file parts) for us.
    const request = new Request("http://emulator.local/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new RequestRefused(400, "Could not parse the multipart form body.");
    }
    const fields: Fields = {};
    for (const [key, value] of form.entries()) setField(fields, key, value);
    return fields;
  }
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new RequestRefused(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't " +
        "using your HTTP library correctly.)",
    );
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new RequestRefused(400, "The request body must be a JSON object.");
  }
  return parsed as Fields;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers `error` in the provider's shape; anything unexpected is a logged 500. */
export function sendError(res: ServerResponse, error: unknown, shape: ErrorShape) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  let answer: HttpError;
  if (error instanceof HttpError) answer = error;
  else if (error instanceof RequestRefused) answer = shape(error);
  else {
    console.error("provider emulator: unexpected error:", error);
    answer = shape(new RequestRefused(500, "Internal emulator error."));
  }
  sendJson(res, answer.status, answer.body, answer.headers);
}

/** Streams a file with its length, so clients can show progress and verify completeness. */
export async function sendFile(
  res: ServerResponse,
  file: string,
  contentType: string,
  headers: Record<string, string> = {},
) {
  const { size } = await stat(file);
  res.writeHead(200, { ...headers, "content-type": contentType, "content-length": size });
  await pipeline(createReadStream(file), res);
}

/** One authenticated request, as a provider's routes see it. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** A hash of the caller's API key: what jobs are scoped by. */
  owner: string;
  /** The path pattern's capture groups (ids). */
  params: string[];
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Matched against the path below the provider's prefix, e.g. /^\/videos\/([^/]+)$/. */
  path: RegExp;
  handle(context: RequestContext): Promise<void>;
}
