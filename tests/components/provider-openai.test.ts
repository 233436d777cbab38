import sharp from "sharp";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkSecrets } from "#local/link";
import { createProviderEmulator } from "#local/providers/server";
import {
  ContentExpired,
  ContentNotAvailable,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  providerFailureToTakesError,
  type NormalisedStatus,
  type ProviderVariant,
} from "#core/providers/contract";
import { defaultProvider, getProvider, listProviders } from "#core/providers/index";
import { openaiProvider as provider } from "#core/providers/openai";
import { startClock } from "#core/time-budgets";
import { rejectionOf } from "../support/errors";
import { createTime } from "../support/providers";
import { waitFor } from "../support/wait";

// The adapter against the real emulator, in process: real HTTP, real multipart, real MP4s.
const KEY = "sk-test-adapter-0123456789";
let emulator: Awaited<ReturnType<typeof createProviderEmulator>>;

beforeAll(async () => {
  emulator = await createProviderEmulator({ port: 0, generationMs: 1_000 });
  await linkSecrets({ ProviderBaseUrl: `${emulator.url}/v1` });
});
afterAll(() => emulator?.close());

const request = {
  jobId: "01KB0000000000000000000000",
  model: "sora-2",
  prompt: "a kite over the dunes",
  seconds: 4,
  size: "1280x720",
  sound: true,
  // Fresh for each call that spreads or passes the request.
  get time() {
    return createTime();
  },
};
/** A provider job as the adapter is asked about it. */
const job = (providerJobId: string) => ({ providerJobId, model: request.model });

async function emulatorControl(path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
}

/** Polls until the job completes, keeping every status seen on the way. */
async function untilCompleted(providerJobId: string): Promise<NormalisedStatus[]> {
  const seen: NormalisedStatus[] = [];
  await waitFor(
    async () => {
      const status = await provider.getStatus(KEY, job(providerJobId));
      seen.push(status);
      return status.status === "completed";
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `${providerJobId} to complete` },
  );
  return seen;
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

describe("OpenAI videos adapter", () => {
  it("is the registry's default and answers to its name", async () => {
    // The registry holds the declaration and loads this adapter on its first call.
    expect(defaultProvider.name).toBe(provider.name);
    expect(getProvider("openai").models).toBe(provider.models);
    expect(listProviders().map((listed) => listed.name)).toContain(provider.name);
    expect(() => getProvider("nobody")).toThrow(/no video provider named/);
    expect(provider.models.map((model) => model.seconds)).toEqual([
      [4, 8, 12],
      [4, 8, 12],
    ]);
  });

  let finished: string;

  it("creates a job and reports it queued, then rising progress, then completed", async () => {
    const { providerJobId } = await provider.create(KEY, request);
    const seen = await untilCompleted(providerJobId);
    finished = providerJobId;

    expect(seen[0]?.status).toMatch(/^(queued|in_progress)$/);
    const progress = seen.map((status) => status.progress ?? -1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.every((value) => value >= 0)).toBe(true);
    expect(progress.some((value) => value > 0 && value < 100)).toBe(true);

    const done = seen.at(-1)!;
    expect(done).toMatchObject({ status: "completed", progress: 100 });
    expect(done.error).toBeUndefined();
    expect(Date.parse(done.completedAt!)).toBeGreaterThan(0);
    expect(Date.parse(done.expiresAt!)).toBeGreaterThan(Date.parse(done.completedAt!));
  });

  it("creates a job from a reference image of the video's size", async () => {
    const png = await sharp({
      create: { width: 1280, height: 720, channels: 3, background: "#3366aa" },
    })
      .png()
      .toBuffer();
    const { providerJobId } = await provider.create(KEY, {
      ...request,
      firstFrame: { bytes: new Uint8Array(png), contentType: "image/png" },
    });
    expect((await untilCompleted(providerJobId)).at(-1)?.status).toBe("completed");
  });

  it.each<[ProviderVariant, RegExp]>([
    ["video", /^video\/mp4/],
    ["thumbnail", /^image\//],
    ["spritesheet", /^image\//],
  ])("downloads the %s", async (variant, contentType) => {
    const content = await provider.download(KEY, job(finished), variant);
    expect(content.contentType).toMatch(contentType);
    const bytes = await bytesOf(content.body);
    expect(bytes.length).toBeGreaterThan(100);
    if (content.contentLength !== undefined) expect(content.contentLength).toBe(bytes.length);
    if (variant === "video") expect(bytes.subarray(4, 8).toString("latin1")).toBe("ftyp");
  });

  it("remixes a finished video into a new job", async () => {
    const remix = await provider.remix!(KEY, job(finished), {
      jobId: "01KB0000000000000000000001",
      prompt: "the same kite, at night",
      time: createTime(),
    });
    expect(remix.providerJobId).not.toBe(finished);
    expect((await untilCompleted(remix.providerJobId)).at(-1)?.status).toBe("completed");
  });

  it("reports a rejected request as a 4xx the person can act on", async () => {
    const error = await rejectionOf(provider.create(KEY, { ...request, seconds: 7 }));
    expect(error).toBeInstanceOf(ProviderRejected);
    const shown = providerFailureToTakesError(error);
    expect(shown?.status).toBeGreaterThanOrEqual(400);
    expect(shown?.status).toBeLessThan(500);
  });

  it("turns 429s that outlast the SDK's retries into ProviderRateLimited with the wait", async () => {
    await emulatorControl("faults", { rateLimit: { count: 3, retryAfterSeconds: 1 } });
    const error = await rejectionOf(provider.getStatus(KEY, job(finished)));
    expect(error).toBeInstanceOf(ProviderRateLimited);
    expect((error as ProviderRateLimited).retryAfterMs).toBe(1_000);
    // The fault is used up: the next call goes through.
    expect((await provider.getStatus(KEY, job(finished))).status).toBe("completed");
  });

  it("turns 5xx replies into ProviderUnavailable", async () => {
    await emulatorControl("faults", { serverErrors: { count: 3 } });
    expect(await rejectionOf(provider.getStatus(KEY, job(finished)))).toBeInstanceOf(
      ProviderUnavailable,
    );
  });

  it("creates in one attempt, which its time ends: no SDK retry, no wait past it", async () => {
    // One 500: a retried create could start (and bill) a second video, so it reaches Takes.
    await emulatorControl("faults", { serverErrors: { count: 1 } });
    expect(await rejectionOf(provider.create(KEY, request))).toBeInstanceOf(ProviderUnavailable);
    await emulatorControl("faults", { slowMs: 5_000 });
    try {
      const time = startClock({ totalMs: 1_000, providerMs: 1_000 }).providerCall();
      const started = Date.now();
      await rejectionOf(provider.create(KEY, { ...request, time }));
      expect(time.signal.aborted).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      emulator.clearFaults();
    }
  });

  it("reports a job the provider failed with the provider's reason", async () => {
    await emulatorControl("faults", {
      failNextJobs: { count: 1, code: "moderation_blocked", message: "Blocked by moderation." },
    });
    const { providerJobId } = await provider.create(KEY, request);
    const failed = await waitFor(
      async () => {
        const status = await provider.getStatus(KEY, job(providerJobId));
        return status.status === "failed" && status;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: `${providerJobId} to fail` },
    );
    expect(failed.error).toEqual({ code: "moderation_blocked", message: "Blocked by moderation." });
  });

  it("turns a download before completion into ContentNotAvailable", async () => {
    const { providerJobId } = await provider.create(KEY, request);
    expect(await rejectionOf(provider.download(KEY, job(providerJobId), "video"))).toBeInstanceOf(
      ContentNotAvailable,
    );
  });

  it("turns a lapsed download into ContentExpired", async () => {
    const { providerJobId } = await provider.create(KEY, request);
    await untilCompleted(providerJobId);
    await emulatorControl(`expire/${providerJobId}`);
    expect(await rejectionOf(provider.download(KEY, job(providerJobId), "video"))).toBeInstanceOf(
      ContentExpired,
    );
  });

  it("deletes a job", async () => {
    const { providerJobId } = await provider.create(KEY, request);
    await untilCompleted(providerJobId);
    await provider.delete!(KEY, job(providerJobId));
    const error = await rejectionOf(provider.getStatus(KEY, job(providerJobId)));
    expect(error).toBeInstanceOf(ProviderRejected);
    expect((error as ProviderRejected).status).toBe(404);
  });

  it("turns a provider nobody answers at into ProviderUnavailable", async () => {
    const baseUrl = Resource.ProviderBaseUrl as { value: string };
    const working = baseUrl.value;
    baseUrl.value = "http://127.0.0.1:9/v1"; // the discard port: connection refused
    try {
      expect(await rejectionOf(provider.getStatus(KEY, job(finished)))).toBeInstanceOf(
        ProviderUnavailable,
      );
    } finally {
      baseUrl.value = working;
    }
  });
});
