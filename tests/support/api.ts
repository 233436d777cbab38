import { randomBytes } from "node:crypto";
import { inject } from "vitest";

/** A fresh brought key: a new owner with an empty library (the emulator accepts any `sk-` key). */
export const newKey = () => `sk-test-${randomBytes(12).toString("hex")}`;

export interface ApiReply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the local stack's HTTP API as a client would. JSON bodies unless `form` is given. */
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
  const response = await fetch(`${inject("stack").url}${path}`, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
    redirect: "manual",
  });
  const text = await response.text();
  const parsed =
    response.headers.get("content-type")?.includes("json") && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Points this test process's AWS SDK clients and SST resources at the local stack. */
export function useStackEnvironment() {
  Object.assign(process.env, inject("stack").env);
}
