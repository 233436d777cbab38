/**
 * What the infrastructure declares, as plain data. `loadStackModel()` (local/infra/index.ts)
 * produces it by running `sst.config.ts`'s `run()` with recording stand-ins for the SST globals.
 * The local stack creates its tables, bucket and queues from it and the local runtime wires the
 * handlers from it, so local and AWS cannot drift apart; the infra wiring test asserts on it.
 */

import type { Permission } from "./values";

export interface FunctionModel {
  /** Component name, e.g. "Poller" or "ApiGetHealth". */
  name: string;
  /** "functions/http/health.handler": module path (no extension) + exported name. */
  handler: string;
  /** Seconds. */
  timeout: number;
  /** MB. */
  memory: number;
  /** Names of the linked components (tables, buckets, queues, secrets). */
  link: string[];
  environment: Record<string, string>;
  /** IAM permissions granted beyond its links. */
  permissions: Permission[];
}

export interface TableModel {
  fields: Record<string, "string" | "number" | "binary">;
  primaryIndex: { hashKey: string; rangeKey?: string };
  globalIndexes: Record<string, { hashKey: string; rangeKey?: string }>;
  ttl?: string;
}

export interface QueueModel {
  /** Seconds. */
  visibilityTimeout: number;
  /** Default delivery delay, seconds. */
  delay: number;
  /** Component name of the dead-letter queue, and the receives before a message moves there. */
  dlq?: { queue: string; retry: number };
  /** How long SQS keeps a message, seconds (SQS's default is 4 days). */
  retention?: number;
  subscriber?: {
    fn: FunctionModel;
    batchSize: number;
    /** Seconds. */
    batchWindow: number;
    partialResponses: boolean;
  };
}

export interface BucketModel {
  /** The CORS rule S3 applies (SST's defaults filled in); absent when CORS is turned off. */
  cors?: {
    allowMethods: string[];
    allowOrigins: string[];
    allowHeaders: string[];
    exposeHeaders: string[];
    /** Seconds. */
    maxAge: number;
  };
}

export interface SiteModel {
  /** The app's folder, e.g. "site/". */
  path: string;
  /** The server function's timeout, seconds. */
  timeout: number;
  link: string[];
  environment: Record<string, string>;
  permissions: Permission[];
}

export interface RouterModel {
  /**
   * Path prefix → component name (e.g. "Api", "Site") or, for outside targets, a URL; and how long
   * CloudFront waits for that origin's answer, seconds.
   */
  routes: Array<{ path: string; to: string; readTimeout: number }>;
}

export interface StackModel {
  tables: Record<string, TableModel>;
  buckets: Record<string, BucketModel>;
  queues: Record<string, QueueModel>;
  bucketNotifications: Array<{
    /** The notification's name; S3 reports it as the event's configurationId. */
    name: string;
    bucket: string;
    queue: string;
    events: string[];
    filterPrefix?: string;
    filterSuffix?: string;
  }>;
  /** HTTP API routes, e.g. { method: "GET", path: "/api/videos/{id}" }. */
  routes: Array<{ method: string; path: string; fn: FunctionModel }>;
  schedules: Array<{ name: string; schedule: string; fn: FunctionModel }>;
  secrets: string[];
  /** Placeholder values some secrets declare (used until a stage sets its own). */
  secretDefaults?: Record<string, string>;
  functions: Record<string, FunctionModel>;
  sites?: Record<string, SiteModel>;
  routers?: Record<string, RouterModel>;
}

/** A model with nothing in it, every part present. */
export function emptyStackModel(): Required<StackModel> {
  return {
    tables: {},
    buckets: {},
    queues: {},
    bucketNotifications: [],
    routes: [],
    schedules: [],
    secrets: [],
    secretDefaults: {},
    functions: {},
    sites: {},
    routers: {},
  };
}
