import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Runtime } from "#local/runtime/index";
import type { QueueModel } from "#local/infra/model";
import { startLinkedResources, type LinkedResources } from "#local/link";
import { receivedBy } from "../fixtures/handlers/recorder";
import { fixture, stackModel } from "../support/stack-model";
import { waitFor } from "../support/wait";

// The SQS event source mapping against fauxqs: batches, partial batch failures, redelivery after
// the visibility timeout, redrive to the dead-letter queue, delayed delivery.

const VISIBILITY_TIMEOUT_S = 1;
const DOOMED_RETRIES = 2;

function subscribed(
  handler: string,
  subscriber: Partial<NonNullable<QueueModel["subscriber"]>> = {},
) {
  return {
    visibilityTimeout: VISIBILITY_TIMEOUT_S,
    delay: 0,
    subscriber: {
      fn: fixture(handler),
      batchSize: 10,
      batchWindow: 0,
      partialResponses: true,
      ...subscriber,
    },
  } satisfies QueueModel;
}

const model = stackModel({
  queues: {
    // fauxqs enqueues a SendMessageBatch at once, so its messages arrive as one event.
    Partial: subscribed("queue.failSome"),
    UnknownId: subscribed("queue.reportsUnknownId"),
    Doomed: {
      ...subscribed("queue.alwaysThrows"),
      dlq: { queue: "DoomedDeadLetters", retry: DOOMED_RETRIES },
    },
    DoomedDeadLetters: { visibilityTimeout: 30, delay: 0 },
    Delayed: subscribed("queue.accepts", { partialResponses: false }),
  },
});

let aws: LinkedResources;
let runtime: Runtime;
const logs: string[] = [];
const queueUrls: Record<string, string> = {};

beforeAll(async () => {
  // As the local stack creates them: dead-letter queues first, redrive policies naming their ARN.
  aws = await startLinkedResources({ model });
  Object.assign(queueUrls, aws.queueUrls);
  runtime = await startRuntime({
    model,
    resources: Object.fromEntries(Object.entries(queueUrls).map(([name, url]) => [name, { url }])),
    port: 0,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await runtime?.stop();
  await aws?.stop();
});

const recordsOf = (fixtureName: string) =>
  receivedBy<SQSEvent>(fixtureName).flatMap(({ at, event }) =>
    event.Records.map((record) => ({ at, record })),
  );
const deliveriesOf = (fixtureName: string, body: string) =>
  recordsOf(fixtureName).filter(({ record }) => record.body === body);

async function sendBatch(queue: string, bodies: string[]) {
  await aws.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrls[queue],
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );
}

describe("SQS event source", () => {
  it("delivers Lambda's SQS event shape", async () => {
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrls.Partial,
        MessageBody: "shape",
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "poll" },
          blob: { DataType: "Binary", BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const { record } = await waitFor(() => deliveriesOf("failSome", "shape")[0], {
      timeoutMs: 10_000,
      what: "the message to reach the handler",
    });
    expect(record).toMatchObject({
      body: "shape",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:Partial",
      awsRegion: "us-east-1",
      attributes: { ApproximateReceiveCount: "1", SenderId: expect.any(String) },
      messageAttributes: {
        kind: {
          stringValue: "poll",
          stringListValues: [],
          binaryListValues: [],
          dataType: "String",
        },
        blob: {
          binaryValue: "AQID",
          stringListValues: [],
          binaryListValues: [],
          dataType: "Binary",
        },
      },
    });
    expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.receiptHandle).toBeTruthy();
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(record.attributes.SentTimestamp)).toBeLessThanOrEqual(
      Number(record.attributes.ApproximateFirstReceiveTimestamp),
    );
  });

  it("redelivers only the record a batch reported as failed", async () => {
    await sendBatch("Partial", ["ok-1", "fail-1", "ok-2"]);
    const failedDeliveries = await waitFor(
      () =>
        deliveriesOf("failSome", "fail-1").length >= 3
          ? deliveriesOf("failSome", "fail-1")
          : undefined,
      { timeoutMs: 15_000, what: "the failed record to be delivered three times" },
    );
    expect(failedDeliveries.map(({ record }) => record.attributes.ApproximateReceiveCount)).toEqual(
      ["1", "2", "3"],
    );
    // Back only after the visibility timeout, not at once.
    const [first, second] = failedDeliveries;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_S * 1000 - 50);
    // Its siblings came in the same batch, once, and were deleted.
    const firstBatch = receivedBy<SQSEvent>("failSome").find(({ event }) =>
      event.Records.some((record) => record.body === "fail-1"),
    )!;
    expect(firstBatch.event.Records.map((record) => record.body).sort()).toEqual([
      "fail-1",
      "ok-1",
      "ok-2",
    ]);
    for (const sibling of ["ok-1", "ok-2"]) {
      expect(deliveriesOf("failSome", sibling)).toHaveLength(1);
    }
  });

  it("treats a batchItemFailures id that is not in the batch as a failure of the whole batch", async () => {
    await sendBatch("UnknownId", ["first", "second"]);
    await waitFor(
      () =>
        ["first", "second"].every((body) => deliveriesOf("reportsUnknownId", body).length === 2),
      { timeoutMs: 15_000, what: "both records to come back" },
    );
    for (const body of ["first", "second"]) {
      const counts = deliveriesOf("reportsUnknownId", body).map(
        ({ record }) => record.attributes.ApproximateReceiveCount,
      );
      expect(counts).toEqual(["1", "2"]);
    }
    expect(logs.join("\n")).toContain("UnknownId: invalid batchItemFailures response");
  });

  it("moves a record that keeps failing to the dead-letter queue after maxReceiveCount", async () => {
    await aws.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrls.Doomed, MessageBody: "doomed" }),
    );
    const deadLetter = await waitFor(
      async () => {
        const { Messages } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrls.DoomedDeadLetters, WaitTimeSeconds: 1 }),
        );
        return Messages?.[0];
      },
      { timeoutMs: 20_000, what: "the dead-letter queue to hold the message" },
    );
    expect(deadLetter.Body).toBe("doomed");
    const counts = deliveriesOf("alwaysThrows", "doomed").map(
      ({ record }) => record.attributes.ApproximateReceiveCount,
    );
    expect(counts).toEqual(["1", "2"]);
    expect(logs.join("\n")).toContain("this message can never be handled");
  });

  it("does not deliver a delayed message before its delay", async () => {
    const delaySeconds = 2;
    const sentAt = Date.now();
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrls.Delayed,
        MessageBody: "later",
        DelaySeconds: delaySeconds,
      }),
    );
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrls.Delayed, MessageBody: "now" }));
    const now = await waitFor(() => deliveriesOf("accepts", "now")[0], {
      timeoutMs: 10_000,
      what: "the undelayed message",
    });
    expect(now.at - sentAt).toBeLessThan(delaySeconds * 1000);
    expect(deliveriesOf("accepts", "later")).toHaveLength(0);
    const later = await waitFor(() => deliveriesOf("accepts", "later")[0], {
      timeoutMs: 10_000,
      what: "the delayed message",
    });
    expect(later.at).toBeGreaterThanOrEqual(sentAt + delaySeconds * 1000);
  });
});
