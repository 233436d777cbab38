import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst/resource";
import { dynamoClient } from "./aws/dynamodb";
import { s3Client } from "./aws/s3";
import { sqsClient } from "./aws/sqs";
import type { Health, HealthCheck as Check } from "./responses";

const CHECK_TIMEOUT_MS = 3_000;

async function timed(run: Probe): Promise<Check> {
  const started = performance.now();
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  try {
    await run(signal);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    // Only the error's name: messages can carry endpoints or request details.
    const name = error instanceof Error ? error.name : "Error";
    return { ok: false, ms: Math.round(performance.now() - started), error: name };
  }
}

/**
 * The provider is reachable when it answers HTTP at all: an unauthenticated request gets a 401,
 * which proves the endpoint is up without spending a key on a health probe.
 */
async function providerReachable(signal: AbortSignal) {
  const response = await fetch(`${Resource.ProviderBaseUrl.value.replace(/\/$/, "")}/videos`, {
    signal,
  });
  await response.body?.cancel();
  if (response.status >= 500) throw new Error(`ProviderStatus${response.status}`);
}

type Probe = (signal: AbortSignal) => Promise<unknown>;

const queueProbe =
  (url: string): Probe =>
  (signal) =>
    sqsClient().send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
      { abortSignal: signal },
    );

/** Reachability of everything a request can depend on, checked concurrently. */
export async function checkHealth(): Promise<Health> {
  const probes: Record<string, Probe> = {
    table: (signal) =>
      dynamoClient().send(new DescribeTableCommand({ TableName: Resource.Jobs.name }), {
        abortSignal: signal,
      }),
    bucket: (signal) =>
      s3Client().send(new HeadBucketCommand({ Bucket: Resource.Media.name }), {
        abortSignal: signal,
      }),
    pollQueue: queueProbe(Resource.PollQueue.url),
    framesQueue: queueProbe(Resource.FramesQueue.url),
    provider: providerReachable,
  };
  const results = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await timed(probe)] as const),
  );
  const checks: Record<string, Check> = Object.fromEntries(results);
  return { ok: results.every(([, check]) => check.ok), checks };
}
