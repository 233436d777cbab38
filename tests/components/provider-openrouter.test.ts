// The OpenRouter adapter against the OpenRouter emulator, in process: real HTTP through the
// official SDK, real MP4s and PNGs, real HMAC-signed callbacks. The emulator's contract test
// (provider-openrouter.contract.test.ts) shows it answers as OpenRouter does; this one shows the
// adapter turns those answers into Takes' terms.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VideoModelsListResponse$inboundSchema } from "@openrouter/sdk/models";
import sharp from "sharp";
import { Resource } from "sst";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ContentExpired,
  ContentNotAvailable,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type CreateVideoRequest,
} from "#core/providers/contract";
import { estimateCostUsd } from "#core/providers/declarations";
import { openrouterProvider as openrouter, usdPerSecond } from "#core/providers/openrouter";
import { NOT_CONFIGURED } from "#core/secrets";
import { probe } from "#local/ffprobe";
import { improvePrompt } from "#local/providers/openai/responses";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
// The "#core/*" import map names .ts files only.
import snapshot from "../../core/providers/openrouter-models.json";
import { rejectionOf, takesRejection } from "../support/errors";
import { createTime, downloadedVideo, untilStatus } from "../support/providers";
import { waitFor } from "../support/wait";
import { firstFrameTop, solidPng } from "../support/images";

/** The snapshot's listing, read as the SDK reads OpenRouter's answer. */
const listed = VideoModelsListResponse$inboundSchema.parse(snapshot.listing).data;
const KEY = `sk-or-v1-${randomBytes(32).toString("hex")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const ENV_NAMES = ["OPENROUTER_BASE_URL", "SST_RESOURCE_OpenRouterWebhookSecret"] as const;

let emulator: ProviderEmulator;
let workDir: string;
let receiver: Server;
let webhookUrl: string;
const deliveries: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "openrouter-adapter-"));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/openrouter`;
  emulator = await createProviderEmulator({
    generationMs: 800,
    // Only its secret matters here: OpenRouter signs every callback with the workspace's secret,
    // the one Takes is given below.
    webhook: { url: webhookUrl, secret: WEBHOOK_SECRET },
  });
  // The SDK reads its base URL from the environment (once), as the local stack sets it; the
  // secret is linked the way Lambda hands a function its links.
  process.env.OPENROUTER_BASE_URL = `${emulator.url}/openrouter/api/v1`;
  process.env.SST_RESOURCE_OpenRouterWebhookSecret = JSON.stringify({
    type: "sst.sst.Secret",
    value: WEBHOOK_SECRET,
  });
});
afterAll(async () => {
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await emulator?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});
afterEach(() => emulator.clearFaults("openrouter"));

const request = (overrides: Partial<CreateVideoRequest> = {}): CreateVideoRequest => ({
  jobId: "01KB0000000000000000000000",
  model: "kwaivgi/kling-v3.0-std",
  prompt: "a paper lantern rising over a night market",
  seconds: 3,
  size: "720x720",
  sound: false,
  time: createTime(),
  ...overrides,
});

/** A job made and run to completion: the ref the adapter is asked about. */
async function completedJob(overrides: Partial<CreateVideoRequest> = {}) {
  const { model } = request(overrides);
  const { providerJobId } = await openrouter.create(KEY, request(overrides));
  const job = { providerJobId, model };
  await untilStatus(openrouter, KEY, job, (status) => status.status === "completed");
  return job;
}

/** Runs `run` with the operator's webhook secret left at its placeholder. */
async function withoutWebhookSecret<T>(run: () => Promise<T>): Promise<T> {
  const secret = Resource.OpenRouterWebhookSecret as { value: string };
  secret.value = NOT_CONFIGURED;
  try {
    return await run();
  } finally {
    secret.value = WEBHOOK_SECRET;
  }
}

describe("OpenRouter adapter", () => {
  it("declares the snapshot's models in Takes' terms, with dated prices", () => {
    expect(openrouter.models.map((model) => model.id)).toEqual(listed.map((model) => model.id));
    expect(openrouter.reportsProgress).toBe(false);
    const veoFast = openrouter.models.find((model) => model.id === "google/veo-3.1-fast")!;
    expect(veoFast).toMatchObject({
      label: expect.stringContaining("Veo 3.1 Fast"),
      seconds: [4, 6, 8],
      images: { firstFrame: true, lastFrame: true },
      sound: "optional",
      remix: false,
      price: { source: "OpenRouter's model listing", checked: snapshot.fetchedAt.slice(0, 10) },
    });
    expect(veoFast.sizes).toEqual(expect.arrayContaining(["1280x720", "720x1280", "3840x2160"]));
    expect(openrouter.models.find((model) => model.id === "minimax/hailuo-2.3")).toMatchObject({
      sizes: ["1920x1080"],
      seconds: [6, 10],
      images: { firstFrame: true, lastFrame: false },
      sound: "never",
    });
  });

  it("prices each size and sound from the right SKU, per second or per Seedance token", () => {
    const skus = (id: string) =>
      listed.find((model) => model.id === id)?.pricingSkus ?? expect.fail(`no SKUs for ${id}`);
    const veoFast = skus("google/veo-3.1-fast");
    // 720p has SKUs of its own; 1080p falls back to the sound-only ones; 4K has its own again.
    expect(usdPerSecond(veoFast, { size: "1280x720", sound: true })).toBe(0.1);
    expect(usdPerSecond(veoFast, { size: "1280x720", sound: false })).toBe(0.08);
    expect(usdPerSecond(veoFast, { size: "1080x1920", sound: true })).toBe(0.12);
    expect(usdPerSecond(veoFast, { size: "3840x2160", sound: false })).toBe(0.25);
    // Wan 2.6 prices image-to-video above text-to-video.
    const wan = skus("alibaba/wan-2.6");
    expect(usdPerSecond(wan, { size: "1280x720", sound: false })).toBe(0.08);
    expect(usdPerSecond(wan, { size: "1280x720", sound: false, mode: "image_to_video" })).toBe(0.1);
    // Seedance bills tokens: width x height x 24 fps / 1024 a second, at the tier's rate.
    const seedance = skus("bytedance/seedance-2.0");
    expect(usdPerSecond(seedance, { size: "1280x720", sound: true })).toBeCloseTo(
      ((1280 * 720 * 24) / 1024) * 0.000007,
      10,
    );
    expect(usdPerSecond(seedance, { size: "1920x1080", sound: true })).toBeCloseTo(
      ((1920 * 1080 * 24) / 1024) * 0.0000077,
      10,
    );

    // The declared rules give Takes' estimates the same figures.
    const estimate = (model: string, size: string, sound: boolean, seconds = 4) =>
      estimateCostUsd({ provider: "openrouter", model, size, sound, seconds });
    expect(estimate("google/veo-3.1-fast", "1280x720", true)).toBe(0.4);
    expect(estimate("google/veo-3.1-fast", "1280x720", false)).toBe(0.32);
    expect(estimate("google/veo-3.1-fast", "1920x1080", true)).toBe(0.48);
    // 15 s of 720p Seedance: 2.268 USD, as a live job was billed.
    expect(estimate("bytedance/seedance-2.0", "1280x720", true, 15)).toBe(2.27);
    expect(estimate("minimax/hailuo-2.3", "1920x1080", false, 10)).toBe(0.82);
  });

  it("owns OpenRouter's sk-or-v1 keys and not plain sk- ones", () => {
    expect(openrouter.ownsKey!(KEY)).toBe(true);
    expect(openrouter.ownsKey!(`sk-${randomBytes(24).toString("hex")}`)).toBe(false);
    expect(openrouter.ownsKey!("key_runway0123456789abcdef")).toBe(false);
  });

  it("makes a text-to-video clip: queued, in progress with no figure, done with its USD cost", async () => {
    const model = "google/veo-3.1-fast";
    const { providerJobId } = await openrouter.create(
      KEY,
      request({ model, seconds: 4, size: "1280x720", sound: true }),
    );
    const job = { providerJobId, model };
    const seen = await untilStatus(openrouter, KEY, job, (status) => status.status === "completed");
    const running = seen.filter((status) => status.status !== "completed");
    expect(running.every((status) => ["queued", "in_progress"].includes(status.status))).toBe(true);
    expect(running.every((status) => status.progress === undefined)).toBe(true);
    // Veo 3.1 Fast at 720p with sound: 0.10 USD a second.
    expect(seen.at(-1)).toMatchObject({ status: "completed", progress: 100, cost: { usd: 0.4 } });
    const video = await downloadedVideo(openrouter, KEY, job, workDir);
    expect([video.width, video.height]).toEqual([1280, 720]);
    expect(video.durationSeconds).toBeCloseTo(4, 0);
  });

  it("starts from a first frame and ends on a last one", async () => {
    const size = "720x1280";
    const job = await completedJob({
      size,
      firstFrame: { bytes: await solidPng(size, "#d01010"), contentType: "image/png" },
      lastFrame: { bytes: await solidPng(size, "#1010d0"), contentType: "image/png" },
    });
    const file = join(workDir, "first-and-last.mp4");
    const content = await openrouter.download(KEY, job, "video");
    await writeFile(file, Buffer.from(await new Response(content.body).arrayBuffer()));
    expect(await probe(file)).toMatchObject({ width: 720, height: 1280 });
    // The emulator opens the clip on the first frame (it only checks the last): red on top.
    const [r = 0, g = 0, b = 0] = await firstFrameTop(file);
    expect(r).toBeGreaterThan(150);
    expect(Math.max(g, b)).toBeLessThan(80);
  });

  it("reports a failed generation with OpenRouter's reason, and has no video for it", async () => {
    emulator.setFaults(
      { failNextJobs: { count: 1, message: "The prompt was flagged by the content policy." } },
      "openrouter",
    );
    const { providerJobId } = await openrouter.create(KEY, request());
    const job = { providerJobId, model: request().model };
    const seen = await untilStatus(
      openrouter,
      KEY,
      job,
      (status) => status.status === "failed" || status.status === "completed",
    );
    expect(seen.at(-1)).toMatchObject({
      status: "failed",
      error: {
        code: "generation_failed",
        message: expect.stringContaining("The prompt was flagged by the content policy."),
      },
    });
    // OpenRouter answers 409 for content that does not exist: not there, not refused for good.
    expect(await rejectionOf(openrouter.download(KEY, job, "video"))).toBeInstanceOf(
      ContentNotAvailable,
    );
  });

  it("never retries a create: a 429 reaches Takes with its retry-after, after one request", async () => {
    // Two rate limits: a create that retried would use both and the second would go through.
    emulator.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 3 } }, "openrouter");
    const error = await rejectionOf(openrouter.create(KEY, request()));
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect((error as ProviderRateLimited).retryAfterMs).toBe(3_000);
    expect(await rejectionOf(openrouter.create(KEY, request()))).toBeInstanceOf(
      ProviderRateLimited,
    );
  });

  it("turns a 5xx on create into ProviderUnavailable, after one request", async () => {
    emulator.setFaults({ serverErrors: { count: 2 } }, "openrouter");
    expect(await rejectionOf(openrouter.create(KEY, request()))).toBeInstanceOf(
      ProviderUnavailable,
    );
    expect(await rejectionOf(openrouter.create(KEY, request()))).toBeInstanceOf(
      ProviderUnavailable,
    );
  });

  it("rejects a request the model cannot do with OpenRouter's own words", async () => {
    const error = await rejectionOf(
      openrouter.create(KEY, request({ model: "google/veo-3.1-fast", seconds: 5 })),
    );
    expect(error).toBeInstanceOf(ProviderRejected);
    expect(error).toMatchObject({
      status: 400,
      message: "Unsupported duration 5 for google/veo-3.1-fast: supported durations are 4, 6, 8.",
    });
  });

  it("past OpenRouter's retention the video is gone: ContentExpired from status and download", async () => {
    const job = await completedJob();
    emulator.expire(job.providerJobId, "openrouter");
    expect(await rejectionOf(openrouter.getStatus(KEY, job))).toBeInstanceOf(ContentExpired);
    expect(await rejectionOf(openrouter.download(KEY, job, "video"))).toBeInstanceOf(
      ContentExpired,
    );
  });

  it("rewrites a prompt through chat completions", async () => {
    const idea = "a fox crossing a frozen river at dawn";
    const text = await openrouter.writeText!(KEY, {
      instructions: "Rewrite the idea as a production video prompt.",
      input: idea,
      signal: AbortSignal.timeout(10_000),
    });
    expect(text).toBe(improvePrompt(idea));
  });

  it("draws a reference image through the images endpoint: a PNG of the size asked", async () => {
    const png = await openrouter.drawImage!(KEY, {
      prompt: "a lighthouse on a basalt cliff, storm light",
      size: "1280x720",
      signal: AbortSignal.timeout(10_000),
    });
    expect(await sharp(png).metadata()).toMatchObject({ format: "png", width: 1280, height: 720 });
  });

  it("accepts the callback OpenRouter signs, and refuses a forged or old one", async () => {
    const { providerJobId } = await openrouter.create(KEY, request({ webhookUrl }));
    const delivered = await waitFor(
      () =>
        deliveries.find(
          (delivery) =>
            delivery.headers["x-openrouter-idempotency-key"] === `${providerJobId}-completed`,
        ),
      { timeoutMs: 30_000, what: "OpenRouter's callback" },
    );
    const headers = Object.fromEntries(
      Object.entries(delivered.headers).map(([name, value]) => [name, String(value)]),
    );
    expect(await openrouter.acceptWebhook!({ body: delivered.body, headers }, Date.now())).toBe(
      providerJobId,
    );

    const forged = Buffer.from(delivered.body.toString().replace('"completed"', '"failed"'));
    const refused = await takesRejection(
      openrouter.acceptWebhook!({ body: forged, headers }, Date.now()),
    );
    expect(refused).toMatchObject({ status: 401, code: "invalid_signature" });
    const stale = await takesRejection(
      openrouter.acceptWebhook!({ body: delivered.body, headers }, Date.now() + 10 * 60_000),
    );
    expect(stale).toMatchObject({
      status: 401,
      message: expect.stringMatching(/too far from now/),
    });
  });

  it("without a webhook secret asks for no callback and accepts none", async () => {
    // The emulator refuses a callback URL that is neither HTTPS nor loopback, as OpenRouter
    // refuses one that is not HTTPS: a create that goes through with it did not send it.
    const unreachable = request({ webhookUrl: "http://takes.example/api/webhooks/openrouter" });
    const sent = await rejectionOf(openrouter.create(KEY, unreachable));
    expect(sent).toMatchObject({ status: 400, message: "callback_url must be an HTTPS URL." });
    await withoutWebhookSecret(async () => {
      await expect(openrouter.create(KEY, unreachable)).resolves.toHaveProperty("providerJobId");
      const refused = await takesRejection(
        openrouter.acceptWebhook!({ body: Buffer.from("{}"), headers: {} }, Date.now()),
      );
      expect(refused).toMatchObject({ status: 401, code: "invalid_signature" });
    });
  });
});
