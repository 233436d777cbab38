/**
 * One provider's emulator as the shared server mounts it: under a path prefix, with its own key
 * check, error shape, routes and faults. The server does the rest (slowness, faults, dispatch).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FaultInjector } from "./faults";
import type { ErrorShape, Route } from "./http";
import type { Renderer } from "./render";

export interface ProviderMount {
  /** The provider's name in Takes ("openai", "runway", "fal"); also the control path's segment. */
  name: string;
  /** Requests under this path prefix are this provider's, e.g. "/v1" or "/runway". */
  prefix: string;
  errors: ErrorShape;
  /**
   * The owner a request's credential names (a hash of the key: jobs are scoped by it); throws a
   * RequestRefused (401, or the provider's own refusal of a malformed request) otherwise.
   */
  authenticate(req: IncomingMessage): string;
  /** Routes marked `public` (e.g. a CDN's file URLs) skip authentication and faults. */
  routes: (Route & { public?: boolean })[];
  faults: FaultInjector;
  /** Makes a finished job's files lapse now, as if its retention ran out (a test control). */
  expire(id: string): unknown;
  close(): Promise<void>;
}

/** What every provider's emulator is built from. */
export interface EmulatorContext {
  /** The provider's own folder for rendered files. */
  dataDir: string;
  generationMs: (seconds: number) => number;
  contentLifetimeSeconds: number;
  renderer: Renderer;
  /** The emulator's own base URL, for the URLs it hands out (files, polling). */
  baseUrl: () => string;
  webhook?: WebhookConfig;
}

/** Keys are never kept or logged; jobs are scoped by this hash of them. */
export const ownerOf = (apiKey: string) => createHash("sha256").update(apiKey).digest("hex");

/** Where a provider's emulator sends its signed webhooks. */
export interface WebhookConfig {
  url: string;
  /** `whsec_<base64>`, as OpenAI issued them. */
  secret: string;
}
