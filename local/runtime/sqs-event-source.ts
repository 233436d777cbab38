import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { setTimeout as sleep } from "node:timers/promises";
import type { FunctionModel, QueueModel, StackModel } from "../infra/model";
import type { InvocationResult } from "./lambda";

/**
 * Lambda's SQS event source mapping: pollers long-poll the queue, hand batches to the subscriber
 * as `SQSEvent`s, delete what succeeded (all of a batch, or all but the reported
 * `batchItemFailures`) and leave the rest to reappear after the queue's visibility timeout. Redrive
 * to the dead-letter queue after maxReceiveCount is the queue's own doing (its RedrivePolicy).
 */

/** Concurrent pollers per queue, each waiting for its batch to finish before polling again. */
const POLLERS_PER_QUEUE = 2;
const RETRY_AFTER_RECEIVE_ERROR_MS = 1_000;
/** Messages per ReceiveMessage, entries per DeleteMessageBatch. */
const SQS_BATCH_LIMIT = 10;

type Subscriber = NonNullable<QueueModel["subscriber"]>;

interface EventSource {
  queueName: string;
  queueUrl: string;
  queueArn: string;
  subscriber: Subscriber;
}

export interface SqsEventSourceOptions {
  model: StackModel;
  /** Queue URLs by component name. */
  queueUrls: Record<string, string | undefined>;
  region: string;
  sqs: SQSClient;
  /** Long-poll wait per ReceiveMessage, 1–20 s. */
  waitTimeSeconds: number;
  invoke: (fn: FunctionModel, event: unknown) => Promise<InvocationResult>;
  log: (line: string) => void;
}

/** ".../000000000000/PollQueue" → "arn:aws:sqs:<region>:000000000000:PollQueue". */
function queueArnOf(queueUrl: string, region: string): string {
  const [account, name] = new URL(queueUrl).pathname.split("/").filter(Boolean);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** Lambda's camelCase message attributes; binary values as base64. */
function lambdaMessageAttributes(
  attributes: Record<string, MessageAttributeValue> = {},
): SQSMessageAttributes {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString("base64");
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
        ...(value.BinaryValue !== undefined && { binaryValue: base64(value.BinaryValue) }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? "String",
      },
    ]),
  );
}

function sqsRecord(message: Message, source: EventSource, region: string): SQSRecord {
  const {
    ApproximateReceiveCount = "",
    SentTimestamp = "",
    SenderId = "",
    ApproximateFirstReceiveTimestamp = "",
    ...otherAttributes
  } = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount,
      SentTimestamp,
      SenderId,
      ApproximateFirstReceiveTimestamp,
      ...otherAttributes,
    },
    messageAttributes: lambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes && {
      md5OfMessageAttributes: message.MD5OfMessageAttributes,
    }),
    eventSource: "aws:sqs",
    eventSourceARN: source.queueArn,
    awsRegion: region,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Lambda's reading of a ReportBatchItemFailures response: nothing, an empty object or an empty or
 * null `batchItemFailures` is full success; a failure whose `itemIdentifier` is missing, empty or
 * not a message of the batch — or a response of another shape — fails the whole batch.
 */
function failedMessageIds(records: SQSRecord[], response: unknown): Set<string> | "all" {
  if (response === null) return new Set();
  if (!isRecord(response)) return "all";
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return "all";
  const inBatch = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = isRecord(failure) ? failure.itemIdentifier : undefined;
    if (typeof id !== "string" || !inBatch.has(id)) return "all";
    failed.add(id);
  }
  return failed;
}

export function startSqsEventSources(options: SqsEventSourceOptions) {
  const { sqs, log } = options;
  const stopping = new AbortController();

  const sources: EventSource[] = [];
  for (const [queueName, queue] of Object.entries(options.model.queues)) {
    if (!queue.subscriber) continue;
    const queueUrl = options.queueUrls[queueName];
    if (!queueUrl) {
      throw new Error(`Queue ${queueName} has a subscriber but no URL in the resources`);
    }
    const queueArn = queueArnOf(queueUrl, options.region);
    sources.push({ queueName, queueUrl, queueArn, subscriber: queue.subscriber });
  }

  async function receive(source: EventSource, max: number, waitTimeSeconds: number) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: source.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: stopping.signal },
    );
    return Messages;
  }

  /**
   * One receive, then — when the mapping has a batching window — more until the batch is full or
   * the window closes, as Lambda gathers batches larger than SQS's 10 per call.
   */
  async function receiveBatch(source: EventSource): Promise<Message[]> {
    const { batchSize, batchWindow } = source.subscriber;
    const batch = await receive(
      source,
      Math.min(batchSize, SQS_BATCH_LIMIT),
      options.waitTimeSeconds,
    );
    if (batch.length === 0 || batchWindow === 0) return batch;
    const windowCloses = Date.now() + batchWindow * 1000;
    while (batch.length < batchSize && Date.now() < windowCloses) {
      const waitTimeSeconds = Math.min(
        options.waitTimeSeconds,
        Math.floor((windowCloses - Date.now()) / 1000),
      );
      const more = await receive(
        source,
        Math.min(batchSize - batch.length, SQS_BATCH_LIMIT),
        waitTimeSeconds,
      );
      if (more.length === 0 && waitTimeSeconds === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  async function deleteMessages(source: EventSource, records: SQSRecord[]) {
    for (let start = 0; start < records.length; start += SQS_BATCH_LIMIT) {
      const chunk = records.slice(start, start + SQS_BATCH_LIMIT);
      const { Failed = [] } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: source.queueUrl,
          Entries: chunk.map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
      for (const failure of Failed) {
        log(
          `${source.queueName}: could not delete a message: ${failure.Code} ${failure.Message ?? ""}`,
        );
      }
    }
  }

  async function deliver(source: EventSource, messages: Message[]) {
    const records = messages.map((message) => sqsRecord(message, source, options.region));
    const event: SQSEvent = { Records: records };
    const outcome = await options.invoke(source.subscriber.fn, event);
    // A function error leaves the whole batch to come back after the visibility timeout.
    if (outcome.kind !== "response") return;
    if (!source.subscriber.partialResponses) return deleteMessages(source, records);
    const failed = failedMessageIds(records, outcome.payload);
    if (failed === "all") {
      log(`${source.queueName}: invalid batchItemFailures response; the whole batch failed`);
      return;
    }
    await deleteMessages(
      source,
      records.filter((record) => !failed.has(record.messageId)),
    );
  }

  async function poll(source: EventSource) {
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receiveBatch(source);
      } catch (error) {
        // Messages gathered for a batch that a stop interrupted reappear after the visibility timeout.
        if (stopping.signal.aborted) return;
        log(`${source.queueName}: receive failed: ${(error as Error).message}`);
        const pause = sleep(RETRY_AFTER_RECEIVE_ERROR_MS, undefined, { signal: stopping.signal });
        await pause.catch(() => {}); // a stop cuts the pause short
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await deliver(source, messages);
      } catch (error) {
        log(`${source.queueName}: delivery failed: ${(error as Error).message}`);
      }
    }
  }

  const pollers = sources.flatMap((source) =>
    Array.from({ length: POLLERS_PER_QUEUE }, () => poll(source)),
  );

  return {
    /** Ends the long polls at once and waits for the batches being handled. */
    async stop() {
      stopping.abort();
      await Promise.all(pollers);
    },
  };
}
