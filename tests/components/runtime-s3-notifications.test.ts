import { CopyObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Event, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLinkedResources, type LinkedResources } from "#local/link";
import { startRuntime, type Runtime } from "#local/runtime/index";
import { receivedBy } from "../fixtures/handlers/recorder";
import { fixture, stackModel } from "../support/stack-model";
import { waitFor } from "../support/wait";

// S3 → SQS event notifications (implemented by the AWS emulator, as fauxqs has none), delivered
// through the runtime's event source to a subscriber, as a stored video reaches the frames worker.

const notification = {
  name: "VideoStored",
  bucket: "media",
  queue: "Frames",
  events: ["s3:ObjectCreated:*"],
  filterPrefix: "videos/",
  filterSuffix: "/video.mp4",
};

const model = stackModel({
  buckets: { media: {} },
  queues: {
    Frames: {
      visibilityTimeout: 30,
      delay: 0,
      subscriber: {
        fn: fixture("queue.accepts"),
        batchSize: 10,
        batchWindow: 0,
        partialResponses: true,
      },
    },
  },
  bucketNotifications: [notification],
});

let aws: LinkedResources;
let runtime: Runtime;

beforeAll(async () => {
  aws = await startLinkedResources({ model });
  runtime = await startRuntime({
    model,
    resources: { Frames: { url: aws.queueUrls.Frames! } },
    port: 0,
  });
});

afterAll(async () => {
  await runtime?.stop();
  await aws?.stop();
});

/** Every S3 record the subscriber got, by its (still encoded) key. */
function notified(): Map<string, S3Event["Records"][number]> {
  const records = receivedBy<SQSEvent>("accepts").flatMap(({ event }) =>
    event.Records.flatMap((message) => (JSON.parse(message.body) as S3Event).Records),
  );
  return new Map(records.map((record) => [record.s3.object.key, record]));
}

const waitForNotification = (encodedKey: string) =>
  waitFor(() => notified().get(encodedKey), {
    timeoutMs: 10_000,
    what: `a notification for ${encodedKey}`,
  });

describe("S3 ObjectCreated notifications", () => {
  it("a PutObject under the prefix and suffix sends S3's event record", async () => {
    const put = await aws.s3.send(
      new PutObjectCommand({
        Bucket: "media",
        Key: "videos/a b(1)/video.mp4",
        Body: "not really a video",
      }),
    );
    const record = await waitForNotification("videos/a+b%281%29/video.mp4");
    expect(record).toEqual({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: expect.any(String) },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: {
        "x-amz-request-id": expect.any(String),
        "x-amz-id-2": expect.any(String),
      },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "VideoStored",
        bucket: {
          name: "media",
          ownerIdentity: { principalId: expect.any(String) },
          arn: "arn:aws:s3:::media",
        },
        object: {
          key: "videos/a+b%281%29/video.mp4",
          size: "not really a video".length,
          eTag: put.ETag!.replaceAll('"', ""),
          sequencer: expect.stringMatching(/^[0-9A-F]+$/),
        },
      },
    });
    // What a consumer does to get the key back.
    expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, " "))).toBe(
      "videos/a b(1)/video.mp4",
    );
  });

  it("a multipart upload (lib-storage) sends ObjectCreated:CompleteMultipartUpload", async () => {
    const size = 11 * 1024 * 1024;
    await new Upload({
      client: aws.s3,
      params: { Bucket: "media", Key: "videos/big/video.mp4", Body: Buffer.alloc(size, 7) },
    }).done();
    const record = await waitForNotification("videos/big/video.mp4");
    expect(record.eventName).toBe("ObjectCreated:CompleteMultipartUpload");
    expect(record.s3.object.size).toBe(size);
    expect(record.s3.object.eTag).toMatch(/^[0-9a-f]{32}-3$/);
  });

  it("a copy into the prefix sends ObjectCreated:Copy", async () => {
    await aws.s3.send(
      new PutObjectCommand({ Bucket: "media", Key: "uploads/source.mp4", Body: "copied" }),
    );
    await aws.s3.send(
      new CopyObjectCommand({
        Bucket: "media",
        Key: "videos/copy/video.mp4",
        CopySource: "media/uploads/source.mp4",
      }),
    );
    const record = await waitForNotification("videos/copy/video.mp4");
    expect(record.eventName).toBe("ObjectCreated:Copy");
    expect(record.s3.object.size).toBe("copied".length);
  });

  it("sends nothing for keys outside the prefix or suffix", async () => {
    const outside = ["videos/x/first.png", "other/video.mp4", "videos-old/y/video.mp4"];
    for (const key of outside) {
      await aws.s3.send(new PutObjectCommand({ Bucket: "media", Key: key, Body: "ignored" }));
    }
    // Each upload is matched against the filters as it finishes, so once the notification for a
    // later upload has arrived, none for the earlier ones is still on its way.
    await aws.s3.send(
      new PutObjectCommand({ Bucket: "media", Key: "videos/later/video.mp4", Body: "x" }),
    );
    await waitForNotification("videos/later/video.mp4");
    for (const key of outside) expect(notified().has(key)).toBe(false);
    for (const key of notified().keys()) expect(key).toMatch(/^videos\/.+\/video\.mp4$/);
  });
});
