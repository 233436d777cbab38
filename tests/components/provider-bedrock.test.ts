// The Bedrock adapter against the Bedrock emulator, in process: real HTTP through the official
// SDK (SigV4 and all), real MP4s written into a real S3 server (fauxqs) where Bedrock writes
// them. The emulator's contract test (provider-bedrock.contract.test.ts) shows it answers as
// Bedrock does; this one shows the adapter turns those answers into Takes' terms.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BedrockRuntimeClient, ListAsyncInvokesCommand } from "@aws-sdk/client-bedrock-runtime";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import sharp from "sharp";
import { ulid } from "ulid";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bedrockProvider as bedrock, RAY2_SIZES } from "#core/providers/bedrock";
import {
  ContentNotAvailable,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type CreateVideoRequest,
  type ProviderJobRef,
} from "#core/providers/contract";
import { estimateCostUsd } from "#core/providers/declarations";
import { startAwsEmulator, type AwsEmulator } from "#local/aws/s3-sqs";
import { probe } from "#local/ffprobe";
import { LUMA_RAY2_SIZES } from "#local/providers/bedrock/index";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
import { rejectionOf } from "../support/errors";
import { createTime, untilStatus } from "../support/providers";
import { firstFrameTop } from "../support/images";

/** The adapter's "credential": the region the operator runs Bedrock in, Ray2's only one. */
const REGION = "us-west-2";
const BUCKET = "takes-media-bedrock";
const CREDENTIALS = { accessKeyId: "takestest", secretAccessKey: "takestest" };
const ENV_NAMES = [
  "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "SST_RESOURCE_Media",
] as const;

let s3Server: AwsEmulator;
let s3: S3Client;
let emulator: ProviderEmulator;
let workDir: string;
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "bedrock-adapter-"));
  s3Server = await startAwsEmulator({ port: 0 });
  s3 = new S3Client({
    endpoint: s3Server.url,
    region: "us-east-1",
    credentials: CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  emulator = await createProviderEmulator({
    generationMs: 800,
    bedrockS3: { endpoint: s3Server.url, credentials: CREDENTIALS },
  });
  // As the local stack sets them: the endpoint the adapter's client reads, the credentials its
  // default chain finds (the functions' role on AWS), and the bucket linked as Lambda links it.
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = `${emulator.url}/bedrock`;
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  process.env.SST_RESOURCE_Media = JSON.stringify({ type: "sst.aws.Bucket", name: BUCKET });
});
afterAll(async () => {
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await emulator?.close();
  s3?.destroy();
  await s3Server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});
afterEach(() => emulator.clearFaults("bedrock"));

const MODEL = "luma.ray-v2:0";

/** A fresh job id each time: Bedrock's idempotency token is Takes' job id. */
const request = (overrides: Partial<CreateVideoRequest> = {}): CreateVideoRequest => ({
  jobId: ulid(),
  model: MODEL,
  prompt: "a lighthouse in a storm, waves crashing",
  seconds: 5,
  size: "960x540",
  sound: false,
  time: createTime(),
  ...overrides,
});

/** The invocations the emulator holds for this account that carry `token`. */
async function invocationsWithToken(token: string) {
  const client = new BedrockRuntimeClient({
    endpoint: `${emulator.url}/bedrock`,
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  try {
    const { asyncInvokeSummaries = [] } = await client.send(new ListAsyncInvokesCommand({}));
    return asyncInvokeSummaries.filter((summary) => summary.clientRequestToken === token);
  } finally {
    client.destroy();
  }
}

/** Reads the object Bedrock wrote for a finished job back from the bucket, and probes it. */
async function storedVideo(job: ProviderJobRef & { jobId: string }) {
  const key = bedrock.storedOutputKey!(job);
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const file = join(workDir, key.replaceAll("/", "_"));
  await writeFile(file, await object.Body!.transformToByteArray());
  return { file, ...(await probe(file)) };
}

describe("Bedrock adapter (Luma Ray2)", () => {
  it("declares Ray2 in Takes' terms: every size one the emulator renders at those pixels", () => {
    expect(bedrock.models.map((model) => model.id)).toEqual([MODEL]);
    const [ray2] = bedrock.models;
    expect(ray2).toMatchObject({
      seconds: [5, 9],
      images: { firstFrame: true, lastFrame: false },
      sound: "never",
      remix: false,
      price: { source: expect.any(String), checked: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
    });
    // Each declared size asks for an aspect ratio and a resolution the emulator renders at
    // exactly that size, and every pair the emulator knows is declared.
    const rendered = ray2!.sizes.map((size) => {
      const { aspect_ratio, resolution } = RAY2_SIZES[size]!;
      const pixels =
        LUMA_RAY2_SIZES[aspect_ratio as keyof typeof LUMA_RAY2_SIZES][
          resolution as "540p" | "720p"
        ];
      return `${pixels.width}x${pixels.height}`;
    });
    expect(rendered).toEqual(ray2!.sizes);
    const emulated = Object.values(LUMA_RAY2_SIZES).flatMap((byResolution) =>
      Object.values(byResolution).map(({ width, height }) => `${width}x${height}`),
    );
    expect([...ray2!.sizes].sort()).toEqual(emulated.sort());
    // 540p and 720p are priced apart.
    const estimate = (size: string) =>
      estimateCostUsd({ provider: "bedrock", model: MODEL, seconds: 5, size });
    expect(estimate("960x540")).toBe(3.75);
    expect(estimate("1280x720")).toBe(7.5);
    // No key a person could bring is Bedrock's: it runs on the operator's AWS account only.
    expect(bedrock.ownsKey).toBeUndefined();
    expect(bedrock.reportsProgress).toBe(false);
  });

  it("makes a clip into Takes' bucket: in progress, then completed, at storedOutputKey", async () => {
    const asked = request();
    const { providerJobId } = await bedrock.create(REGION, asked);
    const job = { providerJobId, model: MODEL, jobId: asked.jobId };
    const seen = await untilStatus(
      bedrock,
      REGION,
      job,
      (status) => status.status !== "in_progress",
    );
    expect(seen[0]).toEqual({ status: "in_progress" });
    const done = seen.at(-1)!;
    expect(done).toMatchObject({ status: "completed", progress: 100 });
    expect(Date.parse(done.completedAt!)).toBeGreaterThan(Date.now() - 60_000);

    const key = bedrock.storedOutputKey!(job);
    expect(key).toMatch(new RegExp(`^incoming/${asked.jobId}/[a-z0-9]{12}/output\\.mp4$`));
    expect(providerJobId.endsWith(`/${key.split("/")[2]}`)).toBe(true);
    const video = await storedVideo(job);
    expect([video.width, video.height]).toEqual([960, 540]);
    expect(video.durationSeconds).toBeCloseTo(5, 0);
  });

  it("starts one invocation for a job however often it is created", async () => {
    const asked = request();
    const [first, second] = await Promise.all([
      bedrock.create(REGION, asked),
      bedrock.create(REGION, asked),
    ]);
    const again = await bedrock.create(REGION, asked);
    expect(second.providerJobId).toBe(first.providerJobId);
    expect(again.providerJobId).toBe(first.providerJobId);
    const started = await invocationsWithToken(asked.jobId);
    expect(started.map((summary) => summary.invocationArn)).toEqual([first.providerJobId]);
  });

  it("opens on a first frame, at the size asked", async () => {
    const size = "540x960";
    const red = await sharp({
      create: { width: 540, height: 960, channels: 3, background: "#d01010" },
    })
      .png()
      .toBuffer();
    const asked = request({ size, firstFrame: { bytes: red, contentType: "image/png" } });
    const { providerJobId } = await bedrock.create(REGION, asked);
    const job = { providerJobId, model: MODEL, jobId: asked.jobId };
    await untilStatus(bedrock, REGION, job, (status) => status.status === "completed");
    const video = await storedVideo(job);
    expect([video.width, video.height]).toEqual([540, 960]);
    const [r = 0, g = 0, b = 0] = await firstFrameTop(video.file);
    expect(r).toBeGreaterThan(150);
    expect(Math.max(g, b)).toBeLessThan(80);
  });

  it("reports a failed generation with Bedrock's reason", async () => {
    const reason = "The generated video was blocked by the content filters.";
    emulator.setFaults({ failNextJobs: { count: 1, message: reason } }, "bedrock");
    const { providerJobId } = await bedrock.create(REGION, request());
    const seen = await untilStatus(
      bedrock,
      REGION,
      { providerJobId, model: MODEL },
      (status) => status.status !== "in_progress",
    );
    expect(seen.at(-1)).toMatchObject({
      status: "failed",
      error: { code: "generation_failed", message: expect.stringContaining(reason) },
    });
  });

  // Bedrock's ServiceQuotaExceededException (a full quota of concurrent invocations) is mapped
  // like throttling, but the emulator cannot answer it, so no test here claims it.
  it("turns a ThrottlingException that outlasts the SDK's retries into ProviderRateLimited", async () => {
    emulator.setFaults({ rateLimit: { count: 10 } }, "bedrock");
    const error = await rejectionOf(bedrock.create(REGION, request()));
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect(error).toMatchObject({ message: "The Amazon Bedrock API is rate limiting requests." });
    // Bedrock names no wait: Takes' own default applies.
    expect((error as ProviderRateLimited).retryAfterMs).toBeGreaterThan(0);
  });

  it("turns Bedrock's server errors into ProviderUnavailable", async () => {
    emulator.setFaults({ serverErrors: { count: 10 } }, "bedrock");
    expect(await rejectionOf(bedrock.create(REGION, request()))).toBeInstanceOf(
      ProviderUnavailable,
    );
  });

  it("rejects a region Bedrock does not serve Ray2 in, with Bedrock's words", async () => {
    const error = await rejectionOf(bedrock.create("us-east-1", request()));
    expect(error).toBeInstanceOf(ProviderRejected);
    expect(error).toMatchObject({
      status: 400,
      message: "The provided model identifier is invalid.",
    });
  });

  it("has nothing to download: the video is already in Takes' bucket", async () => {
    const job = {
      providerJobId: `arn:aws:bedrock:${REGION}:123456789012:async-invoke/abc`,
      model: MODEL,
    };
    expect(await rejectionOf(bedrock.download(REGION, job, "video"))).toBeInstanceOf(
      ContentNotAvailable,
    );
  });
});
