import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { replyChecker, type OpenApiDocument } from "./openapi";

/** A fresh brought key: a new owner with an empty library (the emulator accepts any `sk-` key). */
export const newKey = () => `sk-test-${randomBytes(12).toString("hex")}`;

export interface ApiReply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** The document the stack serves, as a checker of replies: fetched once per test file. */
let checkReply: Promise<ReturnType<typeof replyChecker>> | undefined;

async function loadChecker() {
  const response = await fetch(`${inject("stack").url}/api/openapi.json`);
  if (!response.ok) throw new Error(`GET /api/openapi.json answered ${response.status}`);
  return replyChecker((await response.json()) as OpenApiDocument);
}

/**
 * Calls the local stack's HTTP API as a client would. JSON bodies unless `form` is given. Every
 * reply from the API is checked against the OpenAPI document it serves: a status the document does
 * not list for the route, or a body or headers it does not describe, fails the calling test. Other
 * paths (the site's pages) are not the API's and are not checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field
export async function api<T = any>(
  path: string,
  options: {
    method?: string;
    credential?: string;
    json?: unknown;
    form?: FormData;
    body?: string | Uint8Array;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.credential) headers.authorization = `Bearer ${options.credential}`;
  let body = options.body ?? options.form;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const response = await fetch(`${inject("stack").url}${path}`, {
    method,
    headers,
    body,
    redirect: "manual",
  });
  const text = await response.text();
  const { pathname } = new URL(path, "http://stack.invalid");
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    checkReply ??= loadChecker();
    const problem = (await checkReply)(method, pathname, {
      status: response.status,
      headers: response.headers,
      text,
    });
    if (problem) throw new Error(`The reply disagrees with the OpenAPI document: ${problem}`);
  }
  const parsed =
    response.headers.get("content-type")?.includes("json") && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Points this test process's AWS SDK clients and SST resources at the local stack. */
export function useStackEnvironment() {
  Object.assign(process.env, inject("stack").env);
}
