import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpenRouter } from "@openrouter/sdk";
import type { VideoGenerationResponse } from "@openrouter/sdk/models";
import {
  BadRequestResponseError,
  ConflictResponseError,
  GoneResponseError,
  InternalServerResponseError,
  NotFoundResponseError,
  OpenRouterDefaultError,
  OpenRouterError,
  TooManyRequestsResponseError,
  UnauthorizedResponseError,
} from "@openrouter/sdk/models/errors";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { probe } from "#local/ffprobe";
import { improvePrompt } from "#local/providers/openai/responses";
import { OPENROUTER_VIDEO_MODELS } from "#local/providers/openrouter/index";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
import { rejectionOf } from "../support/errors";
import { waitFor } from "../support/wait";
import { firstFrameTop, solidPngDataUri } from "../support/images";

// The emulator's contract is OpenRouter's: every call goes through the official SDK, so what
// passes here is what the OpenRouter adapter can rely on.
const GENERATION_MS = 1_000;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const SIGNATURE_TOLERANCE_SECONDS = 300;
const TERMINAL = ["completed", "failed", "cancelled", "expired"];

interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
}

let emulator: ProviderEmulator;
let receiver: Server;
let callbackUrl: string;
let workDir: string;
const deliveries: Delivery[] = [];

const newKey = () => `sk-or-v1-${randomBytes(32).toString("hex")}`;

/** As Takes' adapter must make it: retries off, or the SDK retries a 5xx for up to an hour. */
const clientOf = (target: ProviderEmulator, apiKey = newKey()) =>
  new OpenRouter({
    apiKey,
    serverURL: `${target.url}/openrouter/api/v1`,
    retryConfig: { strategy: "none" },
  });

/** A tiny callback receiver: keeps every delivery, raw, for verification. */
async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/openrouter/video-webhook`;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "openrouter-contract-"));
  callbackUrl = await startReceiver();
  emulator = await createProviderEmulator({
    generationMs: GENERATION_MS,
    // Only its secret matters here: OpenRouter signs every callback with the workspace's secret.
    webhook: { url: `${callbackUrl}/unused`, secret: WEBHOOK_SECRET },
  });
});

afterAll(async () => {
  await emulator?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Polls through the SDK until the job ends; returns every state seen. */
async function untilFinished(client: OpenRouter, jobId: string) {
  const seen: VideoGenerationResponse[] = [];
  await waitFor(
    async () => {
      const job = await client.videoGeneration.getGeneration({ jobId });
      seen.push(job);
      return TERMINAL.includes(job.status);
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `video job ${jobId} to finish` },
  );
  return seen;
}

const lastOf = <T>(items: T[]): T => items[items.length - 1]!;

/** Streams output 0 through the SDK into the work folder; returns the file. */
async function download(client: OpenRouter, jobId: string) {
  const stream = await client.videoGeneration.getVideoContent({ jobId, index: 0 });
  const file = join(workDir, `${jobId}.mp4`);
  await writeFile(file, Buffer.from(await new Response(stream).arrayBuffer()));
  return file;
}

async function expectVideo(file: string, width: number, height: number, seconds: number) {
  const info = await probe(file);
  expect(info).toMatchObject({ width, height, codec: "h264" });
  expect(Math.abs(info.durationSeconds - seconds)).toBeLessThanOrEqual(0.1);
}

/** Recomputes OpenRouter's signature: hex HMAC-SHA256 of "<t>,<raw body>" under the secret. */
function verifiedSignature(delivery: Delivery): boolean {
  const header = String(delivery.headers["x-openrouter-signature"] ?? "");
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=", 2)));
  const timestamp = Number(parts.t);
  if (Math.abs(Date.now() / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = createHmac("sha256", WEBHOOK_SECRET)
    .update(`${parts.t},${delivery.body}`)
    .digest("hex");
  const given = String(parts.v1 ?? "");
  return (
    given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  );
}

describe("OpenRouter emulator, through @openrouter/sdk", () => {
  let client: OpenRouter;
  let textJobId: string;
  let imageJobId: string;
  let framesJobId: string;

  beforeAll(() => {
    client = clientOf(emulator);
  });

  it("lists the video models publicly, in the SDK's VideoModel shape, from the one model table", async () => {
    // Public: even a key OpenRouter would refuse gets the listing.
    const { data } = await clientOf(emulator, "not-a-key").videoGeneration.listVideosModels();
    expect(data.map((model) => model.id)).toEqual(
      OPENROUTER_VIDEO_MODELS.map(({ listing }) => listing.id),
    );
    expect(data.map((model) => model.id)).toEqual(
      expect.arrayContaining([
        "google/veo-3.1",
        "google/veo-3.1-fast",
        "kwaivgi/kling-v3.0-pro",
        "kwaivgi/kling-v3.0-std",
        "bytedance/seedance-2.0",
        "minimax/hailuo-2.3",
        "alibaba/wan-2.6",
        "alibaba/wan-2.7",
      ]),
    );
    expect(data.find((model) => model.id === "google/veo-3.1")).toEqual({
      id: "google/veo-3.1",
      canonicalSlug: "google/veo-3.1-20260320",
      name: "Google: Veo 3.1",
      created: Date.UTC(2026, 2, 20) / 1000,
      supportedDurations: [4, 6, 8],
      supportedResolutions: ["720p", "1080p", "4K"],
      supportedAspectRatios: ["16:9", "9:16"],
      supportedSizes: ["1280x720", "1080x1920", "1920x1080", "720x1280", "3840x2160", "2160x3840"],
      supportedFrameImages: ["first_frame", "last_frame"],
      generateAudio: true,
      seed: true,
      upscaleFactor: null,
      creativity: null,
      allowedPassthroughParameters: expect.arrayContaining(["negativePrompt"]),
      pricingSkus: {
        duration_seconds_with_audio: "0.40",
        duration_seconds_with_audio_4k: "0.60",
        duration_seconds_without_audio: "0.20",
        duration_seconds_without_audio_4k: "0.40",
      },
    });
    expect(data.find((model) => model.id === "minimax/hailuo-2.3")).toMatchObject({
      supportedDurations: [6, 10],
      supportedSizes: ["1920x1080"],
      supportedFrameImages: ["first_frame"],
      generateAudio: false,
      pricingSkus: { duration_seconds: "0.0817" },
    });

    const anonymous = await fetch(`${emulator.url}/openrouter/api/v1/videos/models`);
    expect(anonymous.status).toBe(200);
  });

  it("generates text to video: pending, in_progress, completed with usage.cost, an MP4 of the size and length asked, and a signed callback", async () => {
    const created = await client.videoGeneration.generate({
      videoGenerationRequest: {
        model: "kwaivgi/kling-v3.0-std",
        prompt: "a paper boat drifting down a rainy gutter",
        duration: 3,
        resolution: "720p",
        aspectRatio: "1:1",
        generateAudio: false,
        callbackUrl,
      },
    });
    textJobId = created.id;
    const pollingUrl = `${emulator.url}/openrouter/api/v1/videos/${created.id}`;
    expect(created).toEqual({ id: expect.any(String), pollingUrl, status: "pending" });
    expect(created.id).toMatch(/^gen-vid-\d{10}-[A-Za-z0-9]{20}$/);

    // Not downloadable before it completes.
    const early = await rejectionOf(
      client.videoGeneration.getVideoContent({ jobId: created.id, index: 0 }),
    );
    expect(early).toBeInstanceOf(ConflictResponseError);
    expect(early).toMatchObject({ statusCode: 409, error: { code: 409 } });

    const seen = await untilFinished(client, created.id);
    const statuses = seen.map((job) => job.status).filter((s, i, all) => s !== all[i - 1]);
    // pending lasts a tenth of the generation time: a slow first poll may miss it.
    expect(["pending,in_progress,completed", "in_progress,completed"]).toContain(statuses.join());
    for (const job of seen.filter((job) => job.status !== "completed")) {
      expect(job).toEqual({ id: created.id, pollingUrl, status: job.status });
    }
    const done = lastOf(seen);
    expect(done).toEqual({
      id: created.id,
      pollingUrl,
      status: "completed",
      generationId: expect.stringMatching(/^gen-\d{10}-[A-Za-z0-9]{20}$/),
      unsignedUrls: [`${pollingUrl}/content?index=0`],
      // 3 s at kling std's 0.084 USD a second.
      usage: { cost: 0.252, isByok: false },
    });

    await expectVideo(await download(client, created.id), 720, 720, 3);
    // The unsigned URL is the same authenticated content route.
    const direct = await fetch(done.unsignedUrls![0]!, {
      headers: { authorization: `Bearer ${newKey()}` },
    });
    expect(direct.status).toBe(404);

    const delivery = await waitFor(
      () =>
        deliveries.find(
          (d) => d.headers["x-openrouter-idempotency-key"] === `${created.id}-completed`,
        ),
      { timeoutMs: 10_000, what: "the completed callback" },
    );
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["x-openrouter-signature"]).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(verifiedSignature(delivery)).toBe(true);
    expect(verifiedSignature({ ...delivery, body: delivery.body.replace("0.252", "0.001") })).toBe(
      false,
    );
    const event = JSON.parse(delivery.body) as Record<string, unknown>;
    expect(event).toEqual({
      type: "video.generation.completed",
      created_at: expect.any(String),
      data: {
        generation_id: done.generationId,
        id: created.id,
        model: "kwaivgi/kling-v3.0-std",
        status: "completed",
        unsigned_urls: done.unsignedUrls,
        usage: { cost: 0.252, is_byok: false },
      },
    });
    expect(Date.parse(event.created_at as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("opens image to video on the first frame (Kling Pro) and takes first and last frames (Veo 3.1 Fast)", async () => {
    const red = await solidPngDataUri("640x480", "#d01010");
    const blue = await solidPngDataUri("1280x720", "#1010d0");
    const green = await solidPngDataUri("1280x720", "#10d010");
    const [firstOnly, firstAndLast] = await Promise.all([
      client.videoGeneration.generate({
        videoGenerationRequest: {
          model: "kwaivgi/kling-v3.0-pro",
          prompt: "the red wall comes alive",
          duration: 3,
          size: "1280x720",
          generateAudio: false,
          frameImages: [{ type: "image_url", imageUrl: { url: red }, frameType: "first_frame" }],
        },
      }),
      client.videoGeneration.generate({
        videoGenerationRequest: {
          model: "google/veo-3.1-fast",
          prompt: "from blue to green",
          duration: 4,
          size: "720x1280",
          generateAudio: false,
          frameImages: [
            { type: "image_url", imageUrl: { url: blue }, frameType: "first_frame" },
            { type: "image_url", imageUrl: { url: green }, frameType: "last_frame" },
          ],
        },
      }),
    ]);
    imageJobId = firstOnly.id;
    framesJobId = firstAndLast.id;
    const [pro, veo] = await Promise.all(
      [firstOnly, firstAndLast].map(async ({ id }) => lastOf(await untilFinished(client, id))),
    );
    // Kling image to video at 720p: 0.112 USD a second; Veo Fast silent 720p: 0.08.
    expect(pro).toMatchObject({ status: "completed", usage: { cost: 0.336 } });
    expect(veo).toMatchObject({ status: "completed", usage: { cost: 0.32 } });

    const proFile = await download(client, firstOnly.id);
    const veoFile = await download(client, firstAndLast.id);
    await expectVideo(proFile, 1280, 720, 3);
    await expectVideo(veoFile, 720, 1280, 4);
    const [redR, redG, redB] = await firstFrameTop(proFile);
    expect(redR).toBeGreaterThan(180);
    expect(Math.max(redG!, redB!)).toBeLessThan(50);
    const [blueR, blueG, blueB] = await firstFrameTop(veoFile);
    expect(blueB).toBeGreaterThan(180);
    expect(Math.max(blueR!, blueG!)).toBeLessThan(50);
  });

  it("expires a job's content on the expire control: status expired, content 410 Gone", async () => {
    expect(emulator.expire(textJobId, "openrouter")).toEqual({ id: textJobId, status: "expired" });
    const expired = await client.videoGeneration.getGeneration({ jobId: textJobId });
    expect(expired).toMatchObject({
      status: "expired",
      error: expect.stringContaining("expired"),
      usage: { cost: 0.252 },
    });
    expect(expired.unsignedUrls).toBeUndefined();
    const gone = await rejectionOf(
      client.videoGeneration.getVideoContent({ jobId: textJobId, index: 0 }),
    );
    expect(gone).toBeInstanceOf(GoneResponseError);
    expect(gone).toMatchObject({ statusCode: 410, error: { code: 410 } });

    // The same through the HTTP control.
    const control = await fetch(`${emulator.url}/_emulator/openrouter/expire/${imageJobId}`, {
      method: "POST",
    });
    expect(await control.json()).toEqual({ id: imageJobId, status: "expired" });
    expect(
      await rejectionOf(client.videoGeneration.getVideoContent({ jobId: imageJobId })),
    ).toBeInstanceOf(GoneResponseError);

    // An injected lapse: the content is gone at the download after a poll said completed.
    expect(await client.videoGeneration.getGeneration({ jobId: framesJobId })).toMatchObject({
      status: "completed",
    });
    emulator.setFaults({ lapseNextOutputs: { count: 1 } }, "openrouter");
    try {
      expect(
        await rejectionOf(client.videoGeneration.getVideoContent({ jobId: framesJobId })),
      ).toBeInstanceOf(GoneResponseError);
    } finally {
      emulator.clearFaults("openrouter");
    }
    expect(await client.videoGeneration.getGeneration({ jobId: framesJobId })).toMatchObject({
      status: "expired",
    });
  });

  it("lets content lapse by itself once the configured retention has passed", async () => {
    const shortLived = await createProviderEmulator({
      generationMs: 300,
      contentLifetimeSeconds: 1,
    });
    try {
      const own = clientOf(shortLived);
      const { id } = await own.videoGeneration.generate({
        videoGenerationRequest: {
          model: "kwaivgi/kling-v3.0-std",
          prompt: "a brief candle",
          duration: 3,
          aspectRatio: "1:1",
        },
      });
      expect(lastOf(await untilFinished(own, id)).status).toBe("completed");
      await waitFor(
        async () => (await own.videoGeneration.getGeneration({ jobId: id })).status === "expired",
        { timeoutMs: 5_000, intervalMs: 100, what: "the content to lapse" },
      );
      expect(await rejectionOf(own.videoGeneration.getVideoContent({ jobId: id }))).toBeInstanceOf(
        GoneResponseError,
      );
    } finally {
      await shortLived.close();
    }
  });

  it("refuses what the model does not take with a 400 that names the field and the values", async () => {
    const refusal = async (request: Parameters<OpenRouter["videoGeneration"]["generate"]>[0]) => {
      const error = await rejectionOf(client.videoGeneration.generate(request));
      expect(error).toBeInstanceOf(BadRequestResponseError);
      const { error: data, statusCode } = error as BadRequestResponseError;
      expect(statusCode).toBe(400);
      expect(data.code).toBe(400);
      return data.message;
    };
    const base = { prompt: "x" };
    expect(
      await refusal({ videoGenerationRequest: { ...base, model: "google/veo-3.1", duration: 5 } }),
    ).toBe("Unsupported duration 5 for google/veo-3.1: supported durations are 4, 6, 8.");
    expect(
      await refusal({ videoGenerationRequest: { ...base, model: "google/veo-9", duration: 4 } }),
    ).toMatch(/^google\/veo-9 is not a valid video model ID/);
    expect(
      await refusal({
        videoGenerationRequest: { ...base, model: "kwaivgi/kling-v3.0-std", size: "1920x1080" },
      }),
    ).toContain("Unsupported size 1920x1080 for kwaivgi/kling-v3.0-std");
    expect(
      await refusal({
        videoGenerationRequest: { ...base, model: "minimax/hailuo-2.3", generateAudio: true },
      }),
    ).toBe("generate_audio is not supported by minimax/hailuo-2.3.");
    const frame = await solidPngDataUri("64x64", "#808080");
    expect(
      await refusal({
        videoGenerationRequest: {
          ...base,
          model: "alibaba/wan-2.6",
          frameImages: [
            { type: "image_url", imageUrl: { url: frame }, frameType: "first_frame" },
            { type: "image_url", imageUrl: { url: frame }, frameType: "last_frame" },
          ],
        },
      }),
    ).toContain('Unsupported frame_type "last_frame" for alibaba/wan-2.6');
    expect(
      await refusal({
        videoGenerationRequest: {
          ...base,
          model: "google/veo-3.1",
          frameImages: [
            {
              type: "image_url",
              imageUrl: { url: "https://example.com/frame.png" },
              frameType: "first_frame",
            },
          ],
        },
      }),
    ).toContain("never fetches remote media");

    // Another key's job reads as missing.
    const other = await rejectionOf(
      clientOf(emulator).videoGeneration.getGeneration({ jobId: textJobId }),
    );
    expect(other).toBeInstanceOf(NotFoundResponseError);
  });

  it("answers 401 in OpenRouter's shape for a key it does not know, and for none", async () => {
    const wrongKey = await rejectionOf(
      clientOf(emulator, "key_runway_style").videoGeneration.getGeneration({ jobId: textJobId }),
    );
    expect(wrongKey).toBeInstanceOf(UnauthorizedResponseError);
    expect(wrongKey).toMatchObject({
      statusCode: 401,
      error: { code: 401, message: "User not found." },
    });

    const noKey = await fetch(`${emulator.url}/openrouter/api/v1/videos/${textJobId}`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({
      error: { code: 401, message: "No cookie auth credentials found" },
    });
  });

  it("improves a prompt through chat completions, deterministically, with usage and cost", async () => {
    const idea = "a fox crossing a frozen river at dawn, 8 seconds";
    const result = await client.chat.send({
      chatRequest: {
        model: "openai/gpt-5-mini",
        messages: [
          { role: "system", content: "Rewrite the idea as a production video prompt." },
          { role: "user", content: idea },
        ],
      },
    });
    if (!("choices" in result)) throw new Error("expected a chat result, not a stream");
    expect(result).toMatchObject({
      id: expect.stringMatching(/^gen-\d{10}-[A-Za-z0-9]{20}$/),
      object: "chat.completion",
      model: "openai/gpt-5-mini",
      choices: [
        {
          index: 0,
          finishReason: "stop",
          message: { role: "assistant", content: improvePrompt(idea) },
        },
      ],
    });
    const usage = result.usage!;
    expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
    expect(usage.cost).toBeGreaterThan(0);

    const invalid = await rejectionOf(
      client.chat.send({
        chatRequest: { model: "gpt-5-mini", messages: [{ role: "user", content: idea }] },
      }),
    );
    expect(invalid).toBeInstanceOf(BadRequestResponseError);
    expect(invalid).toMatchObject({ error: { message: "gpt-5-mini is not a valid model ID" } });
  });

  it("generates reference images of exactly the size asked, by pixels or by tier and aspect ratio", async () => {
    const generate = async (size: Record<string, string>) => {
      const result = await client.images.generate({
        imageGenerationRequest: {
          model: "google/gemini-3-pro-image",
          prompt: "a lighthouse on a basalt cliff, storm light",
          ...size,
        },
      });
      if (!("data" in result)) throw new Error("expected an image result, not a stream");
      expect(result.data).toHaveLength(1);
      expect(result.data[0]!.mediaType).toBe("image/png");
      expect(result.usage).toMatchObject({ cost: 0.04 });
      return sharp(Buffer.from(result.data[0]!.b64Json, "base64")).metadata();
    };
    expect(await generate({ size: "1280x720" })).toMatchObject({
      format: "png",
      width: 1280,
      height: 720,
    });
    expect(await generate({ resolution: "2K", aspectRatio: "9:16" })).toMatchObject({
      width: 1152,
      height: 2048,
    });

    const conflicting = await rejectionOf(
      client.images.generate({
        imageGenerationRequest: {
          model: "google/gemini-3-pro-image",
          prompt: "x",
          size: "1280x720",
          aspectRatio: "1:1",
        },
      }),
    );
    expect(conflicting).toBeInstanceOf(BadRequestResponseError);
  });
});

describe("OpenRouter emulator faults", () => {
  afterEach(() => emulator.clearFaults("openrouter"));

  it("rate limits with retry-after, which the SDK's default retry does not retry (it retries 5xx only)", async () => {
    emulator.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 2 } }, "openrouter");
    const defaultRetries = new OpenRouter({
      apiKey: newKey(),
      serverURL: `${emulator.url}/openrouter/api/v1`,
    });
    const error = await rejectionOf(
      defaultRetries.videoGeneration.generate({
        videoGenerationRequest: { model: "alibaba/wan-2.7", prompt: "x", duration: 2 },
      }),
    );
    expect(error).toBeInstanceOf(TooManyRequestsResponseError);
    const limited = error as TooManyRequestsResponseError;
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(limited.error).toMatchObject({
      code: 429,
      message: expect.stringContaining("Rate limit exceeded"),
      metadata: { headers: { "X-RateLimit-Remaining": "0" } },
    });

    // getGeneration declares no 429: the SDK raises its fallback class, with the same status.
    const polled = await rejectionOf(
      defaultRetries.videoGeneration.getGeneration({ jobId: "gen-vid-1-x" }),
    );
    expect(polled).toBeInstanceOf(OpenRouterDefaultError);
    expect(polled).toBeInstanceOf(OpenRouterError);
    expect((polled as OpenRouterError).statusCode).toBe(429);
    expect((polled as OpenRouterError).headers.get("retry-after")).toBe("2");
  });

  it("answers 500 for injected server errors, which the SDK's default retry repeats until it succeeds", async () => {
    emulator.setFaults({ serverErrors: { count: 1 } }, "openrouter");
    const error = await rejectionOf(
      clientOf(emulator).chat.send({
        chatRequest: { model: "openai/gpt-5-mini", messages: [{ role: "user", content: "hi" }] },
      }),
    );
    expect(error).toBeInstanceOf(InternalServerResponseError);
    expect(error).toMatchObject({
      statusCode: 500,
      error: { code: 500, message: "Internal Server Error" },
    });

    emulator.setFaults({ serverErrors: { count: 1 } }, "openrouter");
    const retrying = new OpenRouter({
      apiKey: newKey(),
      serverURL: `${emulator.url}/openrouter/api/v1`,
    });
    await expect(
      retrying.chat.send({
        chatRequest: { model: "openai/gpt-5-mini", messages: [{ role: "user", content: "hi" }] },
      }),
    ).resolves.toMatchObject({ object: "chat.completion" });
  });

  it("fails the next job with the injected reason in `error`, no cost, and no content", async () => {
    const message = "The prompt was flagged by the provider's content policy.";
    const faults = await fetch(`${emulator.url}/_emulator/openrouter/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ failNextJobs: { count: 1, code: "content_policy", message } }),
    });
    expect(faults.status).toBe(200);
    const client = clientOf(emulator);
    const { id } = await client.videoGeneration.generate({
      videoGenerationRequest: { model: "alibaba/wan-2.7", prompt: "anything", duration: 2 },
    });
    expect(lastOf(await untilFinished(client, id))).toEqual({
      id,
      pollingUrl: `${emulator.url}/openrouter/api/v1/videos/${id}`,
      status: "failed",
      error: message,
    });
    expect(await rejectionOf(client.videoGeneration.getVideoContent({ jobId: id }))).toBeInstanceOf(
      ConflictResponseError,
    );
  });
});
