import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { startLinkedResources } from "#local/link";
import { stackModel } from "../support/stack-model";

// The AWS emulator keeps its state across a restart: queues and their messages in SQLite, objects
// as files. That is what lets `npm start` pick up where it left off.

const dataDir = mkdtempSync(join(tmpdir(), "takes-aws-emulator-"));
// Nothing declared: each start is a bare emulator (the app's clients in core/aws.ts would keep the
// first one's endpoint), the test makes its bucket and queue, and a restart serves what it kept.
const nothing = stackModel({});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("AWS emulator persistence", () => {
  it.each([
    ["objects in SQLite", { dataDir: join(dataDir, "sqlite-only") }],
    ["objects as files", { dataDir: join(dataDir, "sqlite"), s3StorageDir: join(dataDir, "s3") }],
  ])("keeps a queued message and an object across a restart (%s)", async (_, persistence) => {
    const before = await startLinkedResources({ model: nothing, aws: persistence });
    await before.s3.send(new CreateBucketCommand({ Bucket: "media" }));
    const queue = await before.sqs.send(new CreateQueueCommand({ QueueName: "Work" }));
    await before.sqs.send(
      new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: "survive" }),
    );
    const video = Buffer.from([0, 1, 2, 3, 254, 255]);
    await before.s3.send(
      new PutObjectCommand({ Bucket: "media", Key: "videos/v1/video.mp4", Body: video }),
    );
    await before.stop();

    const after = await startLinkedResources({ model: nothing, aws: persistence });
    try {
      const { QueueUrl } = await after.sqs.send(new GetQueueUrlCommand({ QueueName: "Work" }));
      const { Messages = [] } = await after.sqs.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }),
      );
      expect(Messages.map((message) => message.Body)).toEqual(["survive"]);
      const object = await after.s3.send(
        new GetObjectCommand({ Bucket: "media", Key: "videos/v1/video.mp4" }),
      );
      expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(video);
    } finally {
      await after.stop();
    }
  });
});
