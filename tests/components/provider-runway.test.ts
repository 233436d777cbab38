// The Runway adapter against the Runway emulator, in process: real HTTP through the official SDK,
// real MP4s. The emulator's own contract test (provider-runway.contract.test.ts) shows it answers
// as Runway does; this one shows the adapter turns those answers into Takes' terms.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type CreateVideoRequest,
} from "#core/providers/contract";
import { runwayProvider as runway } from "#core/providers/runway";
import { startClock, TIME_BUDGETS } from "#core/time-budgets";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
import { rejectionOf } from "../support/errors";
import { createTime, downloadedVideo, untilStatus } from "../support/providers";
import { solidPng } from "../support/images";

/** Clips of this many seconds take long enough to watch them run and cancel them. */
const LONG_SECONDS = 10;

let emulator: ProviderEmulator;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "runway-adapter-"));
  emulator = await createProviderEmulator({
    generationMs: (seconds) => (seconds >= LONG_SECONDS ? 20_000 : 1_500),
  });
  // The SDK reads its base URL from the environment, as the local stack sets it.
  process.env.RUNWAYML_BASE_URL = `${emulator.url}/runway`;
});
afterAll(async () => {
  delete process.env.RUNWAYML_BASE_URL;
  await emulator?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});
afterEach(() => emulator.clearFaults("runway"));

const newKey = () => `key_${randomBytes(16).toString("hex")}`;
const KEY = newKey();

const request = (overrides: Partial<CreateVideoRequest> = {}): CreateVideoRequest => ({
  jobId: "01KB0000000000000000000000",
  model: "gen4.5",
  prompt: "a paper boat drifts down a rain gutter",
  seconds: 2,
  size: "1280x720",
  sound: false,
  time: createTime(),
  ...overrides,
});

describe("Runway adapter", () => {
  it("declares its models in Takes' terms", () => {
    expect(runway.models.map((model) => model.id)).toEqual([
      "gen4.5",
      "veo3.1",
      "veo3.1_fast",
      "seedance2",
    ]);
    const veo = runway.models.find((model) => model.id === "veo3.1")!;
    expect(veo.sizes).toContain("1920x1080");
    expect(veo.images).toEqual({ firstFrame: true, lastFrame: true });
    expect(runway.ownsKey!(KEY)).toBe(true);
    expect(runway.ownsKey!("sk-not-runway-0123456789")).toBe(false);
  });

  it("makes a text-to-video clip: queued, running with progress, done with its cost", async () => {
    const created = await runway.create(KEY, request({ seconds: 4 }));
    expect(created.estimatedCost).toEqual({ credits: 48, usd: 0.48 });
    const job = { providerJobId: created.providerJobId, model: "gen4.5" };
    const seen = await untilStatus(runway, KEY, job, (status) => status.status === "completed");
    const progress = seen.map((status) => status.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({
      status: "completed",
      progress: 100,
      cost: { credits: 48, usd: 0.48 },
    });
    const video = await downloadedVideo(runway, KEY, job, workDir);
    expect([video.width, video.height]).toEqual([1280, 720]);
    expect(video.durationSeconds).toBeCloseTo(4, 0);
  });

  it("starts from a first frame and ends on a last one where the model takes both", async () => {
    const size = "720x1280";
    const created = await runway.create(
      KEY,
      request({
        model: "veo3.1",
        seconds: 4,
        size,
        sound: true,
        firstFrame: { bytes: await solidPng(size, "#c0392b"), contentType: "image/png" },
        lastFrame: { bytes: await solidPng(size, "#2980b9"), contentType: "image/png" },
      }),
    );
    // Veo with sound: 40 credits a second.
    expect(created.estimatedCost?.credits).toBe(160);
    const job = { providerJobId: created.providerJobId, model: "veo3.1" };
    await untilStatus(runway, KEY, job, (status) => status.status === "completed");
    const video = await downloadedVideo(runway, KEY, job, workDir);
    expect([video.width, video.height]).toEqual([720, 1280]);
  });

  it("downloads from fresh URLs even after every URL minted so far has lapsed", async () => {
    const created = await runway.create(KEY, request());
    const job = { providerJobId: created.providerJobId, model: "gen4.5" };
    await untilStatus(runway, KEY, job, (status) => status.status === "completed");
    const lapsed = emulator.expire(created.providerJobId, "runway");
    expect(lapsed).toBeTruthy();
    const video = await downloadedVideo(runway, KEY, job, workDir);
    expect(video.width).toBe(1280);
  });

  it("treats a link that lapsed before the copy as an outage: the next try gets a fresh one", async () => {
    const created = await runway.create(KEY, request());
    const job = { providerJobId: created.providerJobId, model: "gen4.5" };
    await untilStatus(runway, KEY, job, (status) => status.status === "completed");
    emulator.setFaults({ lapseNextOutputs: { count: 1 } }, "runway");
    const error = await rejectionOf(runway.download(KEY, job, "video"));
    expect(error).toBeInstanceOf(ProviderUnavailable);
    expect((error as Error).message).toMatch(/lapsed/);
    expect((await downloadedVideo(runway, KEY, job, workDir)).width).toBe(1280);
  });

  it("reports a safety failure in words the person can act on, never to be retried", async () => {
    emulator.setFaults(
      { failNextJobs: { count: 1, code: "SAFETY.INPUT.TEXT", message: "Prompt flagged." } },
      "runway",
    );
    const created = await runway.create(KEY, request());
    const seen = await untilStatus(
      runway,
      KEY,
      { providerJobId: created.providerJobId, model: "gen4.5" },
      (status) => status.status === "failed",
    );
    const failed = seen.at(-1)!;
    expect(failed.error?.code).toBe("content_rejected");
    expect(failed.error?.message).toMatch(/moderation refused the prompt or image/);
    expect(failed.error?.message).toContain("SAFETY.INPUT.TEXT");
  });

  it("cancels a running task on delete", async () => {
    const created = await runway.create(KEY, request({ seconds: LONG_SECONDS }));
    const job = { providerJobId: created.providerJobId, model: "gen4.5" };
    await untilStatus(runway, KEY, job, (status) => status.status === "in_progress");
    await runway.delete!(KEY, job);
    const cancelled = await runway.getStatus(KEY, job);
    expect(cancelled).toMatchObject({ status: "failed", error: { code: "cancelled" } });
  });

  it("never retries a create: a 429 reaches Takes instead of a second task", async () => {
    emulator.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 2 } }, "runway");
    const error = await rejectionOf(runway.create(KEY, request()));
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect((error as ProviderRateLimited).retryAfterMs).toBe(2_000);
    // The fault was used by the one attempt: the next create goes through.
    await expect(runway.create(KEY, request())).resolves.toHaveProperty("providerJobId");
  });

  it("turns 5xx on create into ProviderUnavailable, without retrying", async () => {
    emulator.setFaults({ serverErrors: { count: 1 } }, "runway");
    expect(await rejectionOf(runway.create(KEY, request()))).toBeInstanceOf(ProviderUnavailable);
  });

  it("rejects a request the model cannot do with Runway's own words", async () => {
    const error = await rejectionOf(runway.create(KEY, request({ seconds: 11 })));
    expect(error).toBeInstanceOf(ProviderRejected);
    expect((error as ProviderRejected).status).toBe(400);
  });

  it("checks a key with the organization endpoint, giving its credit balance", async () => {
    const time = () => startClock(TIME_BUDGETS.accountCheck).providerCall();
    expect((await runway.checkKey!(newKey(), time())).balance).toMatch(/^[\d,]+ credits left$/);
    const refused = await rejectionOf(runway.checkKey!("not-a-runway-key", time()));
    expect(refused).toBeInstanceOf(ProviderRejected);
    expect((refused as ProviderRejected).status).toBe(401);
  });
});
