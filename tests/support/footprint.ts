import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { dynamoClient, s3Client } from "#core/aws";
import { waitFor } from "./wait";

/** Messages ready, delayed or in flight on one of the stack's queues (fauxqs's inspection API). */
export async function queuedMessages(queue: string): Promise<number> {
  const response = await fetch(
    `${inject("stack").env.AWS_ENDPOINT_URL_SQS}/_fauxqs/queues/${queue}`,
  );
  const inspected = (await response.json()) as { messages: Record<string, unknown[]> };
  return Object.values(inspected.messages).reduce((sum, list) => sum + list.length, 0);
}

/** Earlier tests' polls and frame extractions have finished: nothing else is writing. */
export const quiet = () =>
  waitFor(
    async () => (await queuedMessages("PollQueue")) + (await queuedMessages("FramesQueue")) === 0,
    {
      timeoutMs: 90_000,
      what: "earlier jobs' polls and frame extractions to finish",
    },
  );

const count = async (table: string) =>
  (await dynamoClient().send(new ScanCommand({ TableName: table, Select: "COUNT" }))).Count;

/**
 * What a request could have written: every job, share and access code, every object, every queued
 * poll and frame extraction. (The Limits table is left out: rate limiting counts every request.)
 * Call `quiet()` first, so no earlier job is still writing.
 */
export async function footprint() {
  const [jobs, shares, codes, objects, polls, frames] = await Promise.all([
    count("Jobs"),
    count("Shares"),
    count("Codes"),
    s3Client().send(new ListObjectsV2Command({ Bucket: "media" })),
    queuedMessages("PollQueue"),
    queuedMessages("FramesQueue"),
  ]);
  return { jobs, shares, codes, objects: objects.KeyCount, polls, frames };
}
