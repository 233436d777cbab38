import type { S3Event, S3EventRecord } from "aws-lambda";
import type { StackModel } from "../infra/model";

/**
 * S3 event notifications to SQS, which fauxqs does not implement: which configurations an object
 * creation matches, and the message S3 sends for it (event format 2.1, byte for byte in shape).
 */

/** `name` is the configuration's id (SST's notification `name`); it becomes `configurationId`. */
export type BucketNotification = StackModel["bucketNotifications"][number];

export type ObjectCreatedEvent =
  "ObjectCreated:Put" | "ObjectCreated:Copy" | "ObjectCreated:CompleteMultipartUpload";

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
  /** As S3 stores it, quoted; the event carries it unquoted. */
  etag: string;
}

export interface RequestFacts {
  region: string;
  sourceIp: string;
  requestId: string;
  hostId: string;
}

const LOCAL_PRINCIPAL = "AWS:000000000000";

/**
 * Which object-creating S3 operation a successful request was, read the way S3 (and fauxqs's
 * router) tells them apart. Undefined for anything else, including UploadPart.
 */
export function objectCreatedEvent(request: {
  method: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
}): ObjectCreatedEvent | undefined {
  if (request.method === "PUT") {
    if ("uploadId" in request.query || "renameObject" in request.query) return undefined;
    return request.headers["x-amz-copy-source"] ? "ObjectCreated:Copy" : "ObjectCreated:Put";
  }
  if (request.method === "POST" && "uploadId" in request.query) {
    return "ObjectCreated:CompleteMultipartUpload";
  }
  return undefined;
}

/** "s3:ObjectCreated:*" style patterns, as in a notification configuration's `events`. */
function eventMatches(pattern: string, event: ObjectCreatedEvent): boolean {
  const name = `s3:${event}`;
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export function matchingNotifications(
  notifications: BucketNotification[],
  event: ObjectCreatedEvent,
  object: { bucket: string; key: string },
): BucketNotification[] {
  return notifications.filter(
    (notification) =>
      notification.bucket === object.bucket &&
      notification.events.some((pattern) => eventMatches(pattern, event)) &&
      object.key.startsWith(notification.filterPrefix ?? "") &&
      object.key.endsWith(notification.filterSuffix ?? ""),
  );
}

/**
 * Keys arrive URL-encoded the way S3 encodes them (form encoding, as Java's URLEncoder): spaces
 * become "+", everything but letters, digits, "-", "_", "." and "*" is percent-encoded; "/" stays.
 * Consumers must decode with `decodeURIComponent(key.replace(/\+/g, " "))`.
 */
export function encodeEventKey(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, "+"),
    )
    .join("/");
}

let lastSequencer = 0n;

/** Hex, increasing for successive events, as S3's per-key ordering value is. */
function nextSequencer(): string {
  const now = BigInt(Date.now()) << 16n;
  lastSequencer = now > lastSequencer ? now : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, "0");
}

export function objectCreatedMessage(
  notification: BucketNotification,
  event: ObjectCreatedEvent,
  object: CreatedObject,
  request: RequestFacts,
): S3Event {
  const record: S3EventRecord = {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: request.region,
    eventTime: new Date().toISOString(),
    eventName: event,
    userIdentity: { principalId: LOCAL_PRINCIPAL },
    requestParameters: { sourceIPAddress: request.sourceIp },
    responseElements: {
      "x-amz-request-id": request.requestId,
      "x-amz-id-2": request.hostId,
    },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: notification.name,
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: LOCAL_PRINCIPAL },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: encodeEventKey(object.key),
        size: object.size,
        eTag: object.etag.replaceAll('"', ""),
        sequencer: nextSequencer(),
      },
    },
  };
  return { Records: [record] };
}
