import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BedrockRuntimeClient,
  ConflictException,
  GetAsyncInvokeCommand,
  InternalServerException,
  ListAsyncInvokesCommand,
  ServiceUnavailableException,
  StartAsyncInvokeCommand,
  ThrottlingException,
  ValidationException,
  type GetAsyncInvokeCommandOutput,
  type StartAsyncInvokeCommandInput,
} from "@aws-sdk/client-bedrock-runtime";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsEmulator, type AwsEmulator } from "#local/aws/s3-sqs";
import { probe } from "#local/ffprobe";
import {
  BEDROCK_PREFIX,
  LUMA_RAY2_MODEL_ID,
  LUMA_RAY2_SIZES,
} from "#local/providers/bedrock/index";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
import { rejectionOf } from "../support/errors";
import { waitFor } from "../support/wait";
import { firstFrameTop } from "../support/images";

// The emulator's contract is Bedrock's: everything goes through @aws-sdk/client-bedrock-runtime,
// and the outputs are read back from S3 (fauxqs) where Bedrock writes them, so what passes here is
// what the Bedrock adapter can rely on.
const GENERATION_MS = 1_500;
const BUCKET = "takes-media";
const REGION = "us-west-2";
const CREDENTIALS = { accessKeyId: "takestest", secretAccessKey: "takestest" };
const ARN = /^arn:aws:bedrock:us-west-2:(\d{12}):async-invoke\/([a-z0-9]{12})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let s3Server: AwsEmulator;
let s3: S3Client;
let emulator: ProviderEmulator;
let workDir: string;

const clientOf = ({ maxAttempts = 1, region = REGION, accessKeyId = "takestest" } = {}) =>
  new BedrockRuntimeClient({
    endpoint: `${emulator.url}${BEDROCK_PREFIX}`,
    region,
    credentials: { ...CREDENTIALS, accessKeyId },
    // The SDK's default transport is HTTP/2; the emulator serves HTTP/1.1.
    requestHandler: new NodeHttpHandler(),
    maxAttempts,
  });

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "bedrock-contract-"));
  s3Server = await startAwsEmulator({ port: 0 });
  s3 = new S3Client({
    endpoint: s3Server.url,
    region: "us-east-1",
    credentials: CREDENTIALS,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  emulator = await createProviderEmulator({
    generationMs: GENERATION_MS,
    bedrockS3: { endpoint: s3Server.url, credentials: CREDENTIALS },
  });
});

afterAll(async () => {
  await emulator?.close();
  s3?.destroy();
  await s3Server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A Luma Ray2 request as AWS's parameter page shows it, writing under `s3Uri`. */
const lumaRequest = (
  modelInput: Record<string, unknown>,
  s3Uri = `s3://${BUCKET}/videos`,
): StartAsyncInvokeCommandInput => ({
  modelId: LUMA_RAY2_MODEL_ID,
  modelInput: { prompt: "a lighthouse in a storm, waves crashing", ...modelInput },
  outputDataConfig: { s3OutputDataConfig: { s3Uri } },
});

/** Polls GetAsyncInvoke until the invocation has ended; returns its last state. */
async function ended(client: BedrockRuntimeClient, invocationArn: string) {
  let last: GetAsyncInvokeCommandOutput | undefined;
  await waitFor(
    async () => {
      last = await client.send(new GetAsyncInvokeCommand({ invocationArn }));
      return last.status !== "InProgress";
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `invocation ${invocationArn} to end` },
  );
  return last!;
}

const invocationId = (arn: string) => ARN.exec(arn)?.[2] ?? expect.fail(`not an ARN: ${arn}`);

/** Downloads an object from the bucket into the work folder; returns the file. */
async function download(key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(object.ContentType).toBe("video/mp4");
  const file = join(workDir, key.replaceAll("/", "_"));
  await writeFile(file, await object.Body!.transformToByteArray());
  return file;
}

const objectExists = (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );

/** Bedrock's own faults, beyond the shared ones, through the emulator's HTTP control. */
async function setBedrockFaults(faults: Record<string, unknown>) {
  const response = await fetch(`${emulator.url}/_emulator/bedrock/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

describe("Bedrock emulator (Luma Ray2), through @aws-sdk/client-bedrock-runtime", () => {
  it("runs a 5 s 720p 16:9 text-to-video job and writes its MP4 to <s3Uri>/<id>/output.mp4", async () => {
    const client = clientOf();
    const { invocationArn = "" } = await client.send(
      new StartAsyncInvokeCommand(
        lumaRequest({ aspect_ratio: "16:9", duration: "5s", resolution: "720p", loop: false }),
      ),
    );
    expect(invocationArn).toMatch(ARN);
    const key = `videos/${invocationId(invocationArn)}/output.mp4`;

    const running = await client.send(new GetAsyncInvokeCommand({ invocationArn }));
    expect(running).toMatchObject({
      invocationArn,
      modelArn: `arn:aws:bedrock:us-west-2::foundation-model/${LUMA_RAY2_MODEL_ID}`,
      status: "InProgress",
      outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${BUCKET}/videos` } },
    });
    // The SDK fills in an idempotency token when the caller gives none.
    expect(running.clientRequestToken).toMatch(UUID);
    expect(running.submitTime).toBeInstanceOf(Date);
    expect(running.endTime).toBeUndefined();
    expect(running.failureMessage).toBeUndefined();
    expect(await objectExists(key)).toBe(false);

    const done = await ended(client, invocationArn);
    expect(done.status).toBe("Completed");
    expect(done.endTime!.getTime()).toBeGreaterThanOrEqual(
      done.submitTime!.getTime() + GENERATION_MS,
    );
    expect(done.lastModifiedTime).toEqual(done.endTime);
    const video = await probe(await download(key));
    expect(video).toMatchObject({ width: 1280, height: 720, codec: "h264" });
    expect(Math.abs(video.durationSeconds - 5)).toBeLessThanOrEqual(0.1);
  });

  it("starts one invocation for a clientRequestToken sent twice, and refuses it with another request", async () => {
    const client = clientOf();
    const clientRequestToken = `job-${randomUUID()}`;
    const request = { ...lumaRequest({ duration: "5s" }), clientRequestToken };
    const [first, second] = await Promise.all([
      client.send(new StartAsyncInvokeCommand(request)),
      client.send(new StartAsyncInvokeCommand(request)),
    ]);
    expect(second.invocationArn).toBe(first.invocationArn);
    const again = await client.send(new StartAsyncInvokeCommand(request));
    expect(again.invocationArn).toBe(first.invocationArn);

    const { asyncInvokeSummaries = [] } = await client.send(new ListAsyncInvokesCommand({}));
    const started = asyncInvokeSummaries.filter(
      (summary) => summary.clientRequestToken === clientRequestToken,
    );
    expect(started.map((summary) => summary.invocationArn)).toEqual([first.invocationArn]);

    const conflict = await rejectionOf(
      client.send(
        new StartAsyncInvokeCommand({
          ...lumaRequest({ prompt: "another prompt entirely" }),
          clientRequestToken,
        }),
      ),
    );
    expect(conflict).toBeInstanceOf(ConflictException);
    expect(conflict).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect((await ended(client, first.invocationArn!)).status).toBe("Completed");
  });

  it("opens on keyframes.frame0 (unverified on Bedrock) at the 9:16 540p size", async () => {
    const client = clientOf();
    const red = await sharp({
      create: { width: 640, height: 480, channels: 3, background: "#d01010" },
    })
      .png()
      .toBuffer();
    const { invocationArn = "" } = await client.send(
      new StartAsyncInvokeCommand(
        lumaRequest(
          {
            aspect_ratio: "9:16",
            resolution: "540p",
            keyframes: {
              frame0: {
                type: "image",
                source: { type: "base64", media_type: "image/png", data: red.toString("base64") },
              },
            },
          },
          `s3://${BUCKET}/first-frames/`,
        ),
      ),
    );
    expect((await ended(client, invocationArn)).status).toBe("Completed");

    const file = await download(`first-frames/${invocationId(invocationArn)}/output.mp4`);
    expect(await probe(file)).toMatchObject({ width: 540, height: 960 });
    expect(LUMA_RAY2_SIZES["9:16"]["540p"]).toEqual({ width: 540, height: 960 });
    const [r = 0, g = 0, b = 0] = await firstFrameTop(file);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
  });

  it("refuses what Bedrock refuses, with its ValidationException messages", async () => {
    const client = clientOf();
    const duration = await rejectionOf(
      client.send(new StartAsyncInvokeCommand(lumaRequest({ duration: "10s" }))),
    );
    expect(duration).toBeInstanceOf(ValidationException);
    expect(duration).toMatchObject({
      message:
        "Malformed input request: #/duration: 10s is not a valid enum value, please reformat " +
        "your input and try again.",
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });

    const model = await rejectionOf(
      client.send(new StartAsyncInvokeCommand({ ...lumaRequest({}), modelId: "luma.ray-v1:0" })),
    );
    expect(model).toMatchObject({
      name: "ValidationException",
      message: "The provided model identifier is invalid.",
    });
    // Luma Ray2 runs in us-west-2 only.
    const region = await rejectionOf(
      clientOf({ region: "us-east-1" }).send(new StartAsyncInvokeCommand(lumaRequest({}))),
    );
    expect(region).toMatchObject({ message: "The provided model identifier is invalid." });

    const uri = await rejectionOf(
      client.send(new StartAsyncInvokeCommand(lumaRequest({}, "https://bucket/videos"))),
    );
    expect(uri).toBeInstanceOf(ValidationException);
    expect((uri as Error).message).toBe(
      "1 validation error detected: Value 'https://bucket/videos' at " +
        "'outputDataConfig.s3OutputDataConfig.s3Uri' failed to satisfy constraint: Member must " +
        "satisfy regular expression pattern: s3://[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9](/.*)?",
    );

    const prompt = await rejectionOf(
      client.send(new StartAsyncInvokeCommand(lumaRequest({ prompt: "" }))),
    );
    expect((prompt as Error).message).toBe(
      "Malformed input request: #/prompt: expected minLength: 1, actual: 0, please reformat " +
        "your input and try again.",
    );
  });

  it("throttles with ThrottlingException, which the SDK retries unless maxAttempts is 1", async () => {
    emulator.setFaults({ rateLimit: { count: 1 } }, "bedrock");
    const throttled = await rejectionOf(
      clientOf().send(new ListAsyncInvokesCommand({ maxResults: 1 })),
    );
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled).toMatchObject({
      message: "Too many requests, please wait before trying again.",
      $metadata: { httpStatusCode: 429, attempts: 1 },
    });

    emulator.setFaults({ rateLimit: { count: 1 } }, "bedrock");
    const retried = await clientOf({ maxAttempts: 3 }).send(
      new ListAsyncInvokesCommand({ maxResults: 1 }),
    );
    expect(retried.$metadata.attempts).toBe(2);
  });

  it("answers server faults with InternalServerException and ServiceUnavailableException", async () => {
    const client = clientOf();
    emulator.setFaults({ serverErrors: { count: 1 } }, "bedrock");
    const internal = await rejectionOf(client.send(new StartAsyncInvokeCommand(lumaRequest({}))));
    expect(internal).toBeInstanceOf(InternalServerException);
    expect(internal).toMatchObject({ $fault: "server", $metadata: { httpStatusCode: 500 } });

    await setBedrockFaults({ serviceUnavailable: { count: 1 } });
    const unavailable = await rejectionOf(
      client.send(new StartAsyncInvokeCommand(lumaRequest({}))),
    );
    expect(unavailable).toBeInstanceOf(ServiceUnavailableException);
    expect(unavailable).toMatchObject({ $metadata: { httpStatusCode: 503 } });

    await setBedrockFaults({ validationErrors: { count: 1, message: "Invalid Output Config" } });
    const invalid = await rejectionOf(client.send(new StartAsyncInvokeCommand(lumaRequest({}))));
    expect(invalid).toBeInstanceOf(ValidationException);
    expect((invalid as Error).message).toBe("Invalid Output Config");
  });

  it("ends an invocation Failed with its failureMessage: an injected failure, an unwritable bucket", async () => {
    const client = clientOf();
    const message = "The generated video was blocked by the content filters.";
    emulator.setFaults({ failNextJobs: { count: 1, message } }, "bedrock");
    const blocked = await client.send(new StartAsyncInvokeCommand(lumaRequest({})));
    const unwritable = await client.send(
      new StartAsyncInvokeCommand(lumaRequest({}, "s3://no-such-bucket/videos")),
    );

    const failed = await ended(client, blocked.invocationArn!);
    expect(failed).toMatchObject({ status: "Failed", failureMessage: message });
    expect(failed.endTime).toBeInstanceOf(Date);
    expect(await objectExists(`videos/${invocationId(blocked.invocationArn!)}/output.mp4`)).toBe(
      false,
    );

    const notWritten = await ended(client, unwritable.invocationArn!);
    expect(notWritten.status).toBe("Failed");
    expect(notWritten.failureMessage).toContain("s3://no-such-bucket/videos");
    expect(notWritten.failureMessage).toContain("NoSuchBucket");
  });

  it("keeps invocations to their account, lists them newest first, and never expires outputs", async () => {
    const client = clientOf();
    const { asyncInvokeSummaries: completed = [] } = await client.send(
      new ListAsyncInvokesCommand({ statusEquals: "Completed" }),
    );
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((summary) => summary.status === "Completed")).toBe(true);
    const times = completed.map((summary) => summary.submitTime!.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const firstPage = await client.send(new ListAsyncInvokesCommand({ maxResults: 1 }));
    expect(firstPage.asyncInvokeSummaries).toHaveLength(1);
    const secondPage = await client.send(
      new ListAsyncInvokesCommand({ maxResults: 1, nextToken: firstPage.nextToken }),
    );
    expect(secondPage.asyncInvokeSummaries?.[0]?.invocationArn).not.toBe(
      firstPage.asyncInvokeSummaries?.[0]?.invocationArn,
    );

    const written = completed.find(
      (summary) => summary.outputDataConfig?.s3OutputDataConfig?.s3Uri === `s3://${BUCKET}/videos`,
    );
    const invocationArn = written!.invocationArn!;
    const stranger = await rejectionOf(
      clientOf({ accessKeyId: "anotheraccount" }).send(
        new GetAsyncInvokeCommand({ invocationArn }),
      ),
    );
    expect(stranger).toBeInstanceOf(ValidationException);

    // Bedrock's outputs are the caller's own objects: the expire control changes nothing.
    expect(emulator.expire(invocationId(invocationArn), "bedrock")).toMatchObject({
      invocationArn,
      status: "Completed",
    });
    expect(await objectExists(`videos/${invocationId(invocationArn)}/output.mp4`)).toBe(true);
  });

  it("refuses requests without a SigV4 Authorization header", async () => {
    const response = await fetch(`${emulator.url}${BEDROCK_PREFIX}/async-invoke`);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(await response.json()).toEqual({ message: "Missing Authentication Token" });
  });
});
