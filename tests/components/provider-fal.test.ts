// The fal adapter against the fal emulator, in process: real HTTP through the official client,
// real MP4s, real ED25519 webhooks. The emulator's contract test shows it answers as fal does;
// this one shows the adapter turns those answers into Takes' terms.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ContentExpired,
  ProviderRateLimited,
  ProviderUnavailable,
  type CreateVideoRequest,
} from "#core/providers/contract";
import { falProvider as fal } from "#core/providers/fal";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
import { takesRejection } from "../support/errors";
import { rejectionOf } from "../support/errors";
import { createTime, downloadedVideo, untilStatus } from "../support/providers";
import { waitFor } from "../support/wait";
import { solidPng } from "../support/images";

const KEY = "0b5f3c2e-1a2b-4c3d-8e9f-0123456789ab:0123456789abcdef0123456789abcdef";
const LONG_SECONDS = 15;

let emulator: ProviderEmulator;
let workDir: string;
let receiver: Server;
let webhookUrl: string;
const deliveries: { body: Buffer; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "fal-adapter-"));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/fal`;
  emulator = await createProviderEmulator({
    generationMs: (seconds) => (seconds >= LONG_SECONDS ? 20_000 : 1_500),
  });
  // fal's client has no base URL: the adapter moves fal's hosts under this one.
  process.env.TAKES_FAL_URL = `${emulator.url}/fal`;
});
afterAll(async () => {
  delete process.env.TAKES_FAL_URL;
  await emulator?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});
afterEach(() => emulator.clearFaults("fal"));

const request = (overrides: Partial<CreateVideoRequest> = {}): CreateVideoRequest => ({
  jobId: "01KB0000000000000000000000",
  model: "veo3.1",
  prompt: "a lighthouse in fog, its beam sweeping",
  seconds: 4,
  size: "1280x720",
  sound: false,
  time: createTime(),
  ...overrides,
});

describe("fal adapter", () => {
  it("declares Veo 3.1 and Kling v3 in Takes' terms, without progress reports", () => {
    expect(fal.models.map((model) => model.id)).toEqual([
      "veo3.1",
      "veo3.1-fast",
      "kling-v3-pro",
      "kling-v3-standard",
    ]);
    expect(fal.reportsProgress).toBe(false);
    expect(fal.ownsKey!(KEY)).toBe(true);
    expect(fal.ownsKey!("key_runway0123456789abcdef")).toBe(false);
  });

  it("makes a clip: queued, in progress with no figure, then done, read at once", async () => {
    const { providerJobId } = await fal.create(KEY, request());
    const job = { providerJobId, model: "veo3.1" };
    const seen = await untilStatus(fal, KEY, job, (status) => status.status === "completed");
    expect(
      seen.filter((status) => status.status !== "completed").every((s) => s.progress === undefined),
    ).toBe(true);
    expect(seen.at(-1)).toMatchObject({ status: "completed", progress: 100 });
    const video = await downloadedVideo(fal, KEY, job, workDir);
    expect([video.width, video.height]).toEqual([1280, 720]);
    expect(video.durationSeconds).toBeCloseTo(4, 0);
  });

  it("starts a Kling clip from a first frame, at the model's size", async () => {
    const size = "1080x1920";
    const { providerJobId } = await fal.create(
      KEY,
      request({
        model: "kling-v3-pro",
        seconds: 5,
        size,
        firstFrame: { bytes: await solidPng(size, "#16a085"), contentType: "image/png" },
      }),
    );
    const job = { providerJobId, model: "kling-v3-pro" };
    await untilStatus(fal, KEY, job, (status) => status.status === "completed");
    const video = await downloadedVideo(fal, KEY, job, workDir);
    expect([video.width, video.height]).toEqual([1080, 1920]);
    expect(video.durationSeconds).toBeCloseTo(5, 0);
  });

  it("takes Veo's first and last frame together", async () => {
    const { providerJobId } = await fal.create(
      KEY,
      request({
        firstFrame: { bytes: await solidPng("1280x720", "#8e44ad"), contentType: "image/png" },
        lastFrame: { bytes: await solidPng("1280x720", "#f39c12"), contentType: "image/png" },
      }),
    );
    await untilStatus(
      fal,
      KEY,
      { providerJobId, model: "veo3.1" },
      (status) => status.status === "completed",
    );
  });

  it("reports a failed generation (which fal calls COMPLETED) with its reason", async () => {
    emulator.setFaults(
      { failNextJobs: { count: 1, code: "content_policy_violation", message: "Flagged." } },
      "fal",
    );
    const { providerJobId } = await fal.create(KEY, request());
    const seen = await untilStatus(
      fal,
      KEY,
      { providerJobId, model: "veo3.1" },
      (status) => status.status !== "queued" && status.status !== "in_progress",
    );
    expect(seen.at(-1)?.status).toBe("failed");
    expect(seen.at(-1)?.error?.code).toBe("content_rejected");
    expect(seen.at(-1)?.error?.message).toMatch(/content_policy_violation/);
  });

  it("past fal's retention the video is gone: ContentExpired, with a reason", async () => {
    const { providerJobId } = await fal.create(KEY, request());
    const job = { providerJobId, model: "veo3.1" };
    await untilStatus(fal, KEY, job, (status) => status.status === "completed");
    emulator.expire(providerJobId, "fal");
    const error = await rejectionOf(fal.download(KEY, job, "video"));
    expect(error).toBeInstanceOf(ContentExpired);
    expect((error as Error).message).toMatch(/no longer keeps this result/);
    expect(await rejectionOf(fal.getStatus(KEY, job))).toBeInstanceOf(ContentExpired);
  });

  it("cancels a request on delete", async () => {
    const { providerJobId } = await fal.create(
      KEY,
      request({ model: "kling-v3-standard", seconds: LONG_SECONDS, size: "1280x720" }),
    );
    const job = { providerJobId, model: "kling-v3-standard" };
    await fal.delete!(KEY, job);
    const seen = await untilStatus(
      fal,
      KEY,
      job,
      (status) => status.status === "failed" || status.status === "completed",
    );
    expect(seen.at(-1)).toMatchObject({ status: "failed", error: { code: "cancelled" } });
  });

  it("never retries a submit: a 429 or 5xx reaches Takes instead of a second request", async () => {
    emulator.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 1 } }, "fal");
    expect(await rejectionOf(fal.create(KEY, request()))).toBeInstanceOf(ProviderRateLimited);
    emulator.setFaults({ serverErrors: { count: 1 } }, "fal");
    expect(await rejectionOf(fal.create(KEY, request()))).toBeInstanceOf(ProviderUnavailable);
    // Each fault was used by the one attempt: the next submit goes through.
    await expect(fal.create(KEY, request())).resolves.toHaveProperty("providerJobId");
  });

  it("accepts fal's signed webhook and refuses a forged one", async () => {
    const { providerJobId } = await fal.create(KEY, request({ webhookUrl }));
    const delivered = await waitFor(
      () =>
        deliveries.find(
          (delivery) => JSON.parse(delivery.body.toString()).request_id === providerJobId,
        ),
      { timeoutMs: 30_000, what: "fal's webhook" },
    );
    const headers = Object.fromEntries(
      Object.entries(delivered.headers).map(([name, value]) => [name, String(value)]),
    );
    expect(await fal.acceptWebhook!({ body: delivered.body, headers }, Date.now())).toBe(
      providerJobId,
    );

    const forged = Buffer.from(delivered.body.toString().replace('"OK"', '"ERROR"'));
    const refused = await takesRejection(fal.acceptWebhook!({ body: forged, headers }, Date.now()));
    expect(refused).toMatchObject({ status: 401, code: "invalid_signature" });
    const stale = await takesRejection(
      fal.acceptWebhook!({ body: delivered.body, headers }, Date.now() + 10 * 60_000),
    );
    expect(stale.message).toMatch(/too far from now/);
  });
});
