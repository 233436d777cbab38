import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";
import { createStores, type FauxqsStores } from "./fauxqs-stores";
import {
  matchingNotifications,
  objectCreatedEvent,
  objectCreatedMessage,
  type BucketNotification,
  type ObjectCreatedEvent,
  type RequestFacts,
} from "./s3-notifications";

export interface AwsEmulatorOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  region?: string;
  /** SQLite persistence: queues, messages, buckets and objects survive a restart. */
  dataDir?: string;
  /** Object bodies as plain files here instead of in SQLite. */
  s3StorageDir?: string;
  /** S3 → SQS event notifications, which fauxqs does not implement itself. */
  notifications?: BucketNotification[];
  log?: (line: string) => void;
}

/** The parts of a Fastify request and reply the notifier reads once a call has finished. */
interface FinishedRequest {
  method: string;
  query: unknown;
  headers: Record<string, unknown>;
  params: unknown;
  ip: string;
  id: string;
}
interface FinishedReply {
  statusCode: number;
  getHeader(name: string): unknown;
}

/** S3's GetObject query parameters that set a response header, and the header each sets. */
const S3_RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-disposition": "content-disposition",
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-content-encoding": "content-encoding",
  "response-cache-control": "cache-control",
  "response-expires": "expires",
};
interface OverridableRequest {
  method: string;
  query: unknown;
}
interface OverridableReply {
  statusCode: number;
  header(name: string, value: string): unknown;
}

export interface AwsEmulator {
  /** S3 and SQS endpoint, e.g. http://127.0.0.1:4566. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** fauxqs (S3 + SQS on one port) on loopback, with persistence and S3 event notifications. */
export async function startAwsEmulator(options: AwsEmulatorOptions): Promise<AwsEmulator> {
  const region = options.region ?? "us-east-1";
  const log = options.log ?? ((line: string) => console.error(line));
  const { stores, close } = createStores(options);
  const app = buildApp({ logger: false, defaultRegion: region, stores });
  app.addHook("preClose", close);

  // S3 lets a GET (a presigned URL above all) override response headers through its query
  // string; fauxqs ignores them. Downloads rely on response-content-disposition.
  app.addHook(
    "onSend",
    async (request: OverridableRequest, reply: OverridableReply, payload: unknown) => {
      if (request.method !== "GET" && request.method !== "HEAD") return payload;
      if (reply.statusCode < 200 || reply.statusCode > 299) return payload;
      const query = (request.query ?? {}) as Record<string, unknown>;
      for (const [parameter, header] of Object.entries(S3_RESPONSE_OVERRIDES)) {
        const value = query[parameter];
        if (typeof value === "string" && value) reply.header(header, value);
      }
      return payload;
    },
  );

  const notifier = options.notifications?.length
    ? new S3Notifier(options.notifications, stores, region, log)
    : undefined;
  if (notifier) {
    // S3 emits one event per successful API call, so the notifier watches finished calls: the
    // request says which operation it was (Put, Copy, CompleteMultipartUpload) — fauxqs's message
    // spy only says "uploaded" and is a bounded buffer meant for tests.
    app.addHook("onResponse", async (request: FinishedRequest, reply: FinishedReply) => {
      if (reply.statusCode < 200 || reply.statusCode > 299) return;
      const event = objectCreatedEvent({
        method: request.method,
        query: request.query as Record<string, unknown>,
        headers: request.headers,
      });
      const { bucket, "*": key } = request.params as { bucket?: string; "*"?: string };
      if (!event || !bucket || !key) return;
      notifier.objectCreated(event, bucket, key, {
        region,
        sourceIp: request.ip,
        requestId: String(reply.getHeader("x-amz-request-id") ?? request.id),
        hostId: String(reply.getHeader("x-amz-id-2") ?? "fauxqs"),
      });
    });
  }

  const address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port });
  const url = new URL(address);
  notifier?.connect(url.origin);
  return {
    url: url.origin,
    port: Number(url.port),
    async stop() {
      await notifier?.drain();
      await app.close();
    },
  };
}

class S3Notifier {
  private sqs?: SQSClient;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly notifications: BucketNotification[],
    private readonly stores: FauxqsStores,
    private readonly region: string,
    private readonly log: (line: string) => void,
  ) {}

  /** S3 delivers to SQS as any client does: through the queue's API, here our own endpoint. */
  connect(endpoint: string) {
    this.sqs = new SQSClient({
      endpoint,
      region: this.region,
      credentials: { accessKeyId: "s3-notifications", secretAccessKey: "s3-notifications" },
    });
  }

  objectCreated(event: ObjectCreatedEvent, bucket: string, key: string, request: RequestFacts) {
    const targets = matchingNotifications(this.notifications, event, { bucket, key });
    if (targets.length === 0) return;
    const stored = this.storedObject(bucket, key);
    // Deleted again before we looked: there is no size or ETag left to report.
    if (!stored) return;
    const object = { bucket, key, size: stored.contentLength, etag: stored.etag };
    for (const notification of targets) {
      const message = objectCreatedMessage(notification, event, object, request);
      this.track(this.send(notification.queue, JSON.stringify(message)));
    }
  }

  private storedObject(bucket: string, key: string) {
    try {
      return this.stores.s3Store.headObject(bucket, key);
    } catch {
      return undefined;
    }
  }

  private async send(queue: string, body: string) {
    const sqs = this.sqs;
    if (!sqs) throw new Error("S3 notifications sent before the emulator listened");
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    } catch (error) {
      this.log(`S3 notification to queue ${queue} failed: ${(error as Error).message}`);
    }
  }

  private track(sending: Promise<void>) {
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }

  /** Lets notifications already under way reach their queue before the server closes. */
  async drain() {
    await Promise.all(this.sending);
    this.sqs?.destroy();
  }
}
