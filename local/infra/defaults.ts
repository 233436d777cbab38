/**
 * Every SST default the stand-ins copy, in one place, as the SST platform's source of this version
 * spells them (platform/src/components/aws/<file>.ts in sst/sst, or .sst/platform/src after
 * `sst install`). When the `sst` version in package.json moves, tests/infra/sst-version.test.ts
 * fails until each value here is re-checked against the new source and SST_VERSION is updated.
 */
export const SST_VERSION = "4.17.1";

/** function.ts: `timeout ?? "20 seconds"`, `memory ?? "1024 MB"`. */
export const functionDefaults = { timeout: "20 seconds", memory: "1024 MB" } as const;

/** queue.ts: visibility timeout and delay; a dlq given as a bare ARN retries 3 times. */
export const queueDefaults = { visibilityTimeout: "30 seconds", delay: "0 seconds", dlqRetry: 3 };

/** queue-lambda-subscriber.ts: `batch.size ?? 10`, no window (0 s), no partial responses. */
export const queueSubscriberDefaults = { batchSize: 10, batchWindowSeconds: 0 };

/** bucket.ts: the CORS rule when `cors` is not given (and not `false`): anything from anywhere. */
export const bucketCorsDefaults = {
  allowMethods: ["DELETE", "GET", "HEAD", "POST", "PUT"],
  allowOrigins: ["*"],
  allowHeaders: ["*"],
  exposeHeaders: ["ETag"],
  maxAge: "0 seconds",
} as const;

/**
 * bucket-notification.ts subscribes to every S3 event type when `events` is not given; the local
 * S3 emulator only produces object events, so "every event" is these two here.
 */
export const bucketNotificationEvents = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] as const;

/** ssr-site.ts (normalizeSitePath): a site without `path` is the app's root folder. */
export const siteDefaultPath = ".";

/**
 * ssr-site.ts: the server function's `timeout ?? "20 seconds"`, which is also how long CloudFront
 * waits for it behind a Router (the route's origin readTimeout).
 */
export const siteServerDefaults = { timeout: "20 seconds" } as const;

/** router.ts (RouterUrlRouteArgs): CloudFront waits `readTimeout ?? "20 seconds"` for a URL route. */
export const routerRouteDefaults = { readTimeout: "20 seconds" } as const;

/**
 * Not SST's but AWS's: SST sets no retention, so SQS keeps messages its default 4 days unless a
 * queue's `transform.queue` says otherwise.
 */
export const SQS_DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;
