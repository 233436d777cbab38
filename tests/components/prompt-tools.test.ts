// The prompt and image tools (core/prompts.ts, core/images.ts) against the provider emulator in
// process, through the official SDK, with S3 on fauxqs: real HTTP, real PNGs, injected faults.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { Resource } from "sst";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedCredential } from "#core/credentials";
import { TakesError } from "#core/errors";
import { createImage } from "#core/images";
import { readMedia } from "#core/media/storage";
import { improvePrompt } from "#core/prompts";
import { MAX_PROMPT_LENGTH } from "#core/requests";
import { startLinkedResources, type LinkedResources } from "#local/link";
import { createProviderEmulator } from "#local/providers/server";

const BUCKET = "media";
const caller: ResolvedCredential = {
  ownerId: "owner-prompt-tools",
  providerCredential: "sk-test-prompt-tools-0123456789",
  kind: "brought-key",
  provider: "openai",
};

let emulator: Awaited<ReturnType<typeof createProviderEmulator>>;
// Both tools take from the caller's rate-limit budgets (core/rate-limit.ts), kept in DynamoDB.
let aws: LinkedResources;

beforeAll(async () => {
  emulator = await createProviderEmulator({ port: 0 });
  aws = await startLinkedResources({ secrets: { ProviderBaseUrl: `${emulator.url}/v1` } });
});
afterEach(() => emulator.clearFaults());
afterAll(async () => {
  await emulator?.close();
  await aws?.stop();
});

/** The TakesError a call fails with. */
async function failure(promise: Promise<unknown>): Promise<TakesError> {
  const error = await promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(TakesError);
  return error as TakesError;
}

async function storedKeys(): Promise<string[]> {
  const listed = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

describe("improvePrompt", () => {
  it("rewrites the idea, keeping its words, and lists what it added", async () => {
    const idea = "a paper boat drifts down a rain gutter";
    const { prompt, notes } = await improvePrompt(caller, { prompt: idea });
    expect(prompt).toContain(idea);
    expect(prompt).toMatch(/^Camera: /m);
    expect(prompt.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
    expect(notes).toEqual(expect.arrayContaining(["Added camera movement", "Added sound"]));
    expect(notes.join()).not.toMatch(/Timed/);
  });

  it("times the beats to the clip's length", async () => {
    const { prompt, notes } = await improvePrompt(caller, {
      prompt: "a lighthouse keeper climbs the stairs",
      seconds: 12,
      size: "720x1280",
      model: "sora-2",
    });
    expect(prompt).toContain("0-4 s:");
    expect(prompt).toContain("8-12 s:");
    expect(notes[0]).toBe("Timed the action beats to the 12-second clip");
  });

  it("is deterministic against the emulator", async () => {
    const request = { prompt: "a red kite over grey dunes", seconds: 8 };
    expect(await improvePrompt(caller, request)).toEqual(await improvePrompt(caller, request));
  });

  it("cuts a rewrite that outgrows the provider's limit, and says so", async () => {
    const idea = Array.from({ length: 400 }, (_, i) => `Gull ${i} wheels.`)
      .join(" ")
      .slice(0, MAX_PROMPT_LENGTH);
    const { prompt, notes } = await improvePrompt(caller, { prompt: idea });
    expect(prompt.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
    expect(prompt).toMatch(/wheels\.$/);
    expect(notes).toContain("Shortened to the provider's 4,000-character limit");
  });

  it("refuses settings the video provider does not offer, before asking the model", async () => {
    emulator.setFaults({ serverErrors: { count: 2 } });
    const error = await failure(improvePrompt(caller, { prompt: "a fox", size: "640x480" }));
    expect(error).toMatchObject({ status: 400, code: "unknown_size" });
    // Both faults are still waiting for the next call, attempt and retry: the model was not asked.
    const next = await failure(improvePrompt(caller, { prompt: "a fox" }));
    expect(next.status).toBe(503);
  });

  it("retries one server error, then reports the outage as a 503", async () => {
    emulator.setFaults({ serverErrors: { count: 1 } });
    await expect(improvePrompt(caller, { prompt: "a fox" })).resolves.toBeDefined();
    emulator.setFaults({ serverErrors: { count: 2 } });
    const error = await failure(improvePrompt(caller, { prompt: "a fox" }));
    expect(error).toMatchObject({ status: 503, code: "provider_unavailable" });
    expect(error.message).toBe("The text model is unavailable.");
  });

  it("reports a rate limit as a 429 with the wait", async () => {
    emulator.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 1 } });
    const error = await failure(improvePrompt(caller, { prompt: "a fox" }));
    expect(error).toMatchObject({ status: 429, code: "provider_rate_limited" });
    expect(error.retryAfterSeconds).toBe(1);
  });

  it("passes a rejected key on as the provider's 401", async () => {
    const error = await failure(
      improvePrompt({ ...caller, providerCredential: "not-a-key" }, { prompt: "a fox" }),
    );
    expect(error).toMatchObject({ status: 401, code: "provider_invalid_api_key" });
  });

  it("gives up on a model that does not answer, well before API Gateway does", async () => {
    emulator.setFaults({ slowMs: 40_000 });
    const started = Date.now();
    const error = await failure(improvePrompt(caller, { prompt: "a fox" }));
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ status: 503, code: "provider_unavailable" });
    expect(error.message).toMatch(/did not answer within 25 seconds/);
    expect(elapsed).toBeGreaterThanOrEqual(24_000);
    expect(elapsed).toBeLessThan(28_000);
  }, 40_000);
});

describe("createImage", () => {
  it.each(["1280x720", "720x1280", "1792x1024", "1024x1792"])(
    "stores a PNG of exactly %s among the caller's drafts",
    async (size) => {
      const { image } = await createImage(caller, { prompt: "a lighthouse at dusk", size });
      const [width, height] = size.split("x").map(Number);
      expect(image).toMatchObject({ width, height });
      expect(image.key).toMatch(/^drafts\/owner-prompt-tools\/[0-9A-HJKMNP-TV-Z]{26}\.png$/);
      const stored = await readMedia(image.key, 16 * 1024 * 1024);
      expect(await sharp(stored!).metadata()).toMatchObject({ format: "png", width, height });
      const served = await fetch(image.url);
      expect(served.status).toBe(200);
      const bytes = Buffer.from(await served.arrayBuffer());
      expect(await sharp(bytes).metadata()).toMatchObject({ format: "png", width, height });
    },
  );

  it("refuses a size no video has, and a failed model call, writing nothing", async () => {
    const before = await storedKeys();
    const unsupported = await failure(createImage(caller, { prompt: "a fox", size: "1024x1024" }));
    expect(unsupported).toMatchObject({ status: 400, code: "unknown_size" });
    emulator.setFaults({ serverErrors: { count: 2 } });
    const outage = await failure(createImage(caller, { prompt: "a fox", size: "1280x720" }));
    expect(outage).toMatchObject({ status: 503, message: "The image model is unavailable." });
    expect(await storedKeys()).toEqual(before);
  });

  describe("behind a gateway that answers with another size", () => {
    let gateway: Server;
    let emulatorBaseUrl: string;
    // The resource SST loaded for this process; pointing it elsewhere for a while is how a
    // deployment behind another gateway would see it.
    const providerBaseUrl = () => Resource.ProviderBaseUrl as { value: string };

    beforeAll(async () => {
      const square = await sharp({
        create: { width: 1024, height: 1024, channels: 3, background: "#204060" },
      })
        .jpeg()
        .toBuffer();
      gateway = createServer((_, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ created: 0, data: [{ b64_json: square.toString("base64") }] }));
      });
      await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
      emulatorBaseUrl = providerBaseUrl().value;
      providerBaseUrl().value = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1`;
    });
    afterAll(async () => {
      providerBaseUrl().value = emulatorBaseUrl;
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    });

    it("cover-fits the image to the size asked for, as a PNG", async () => {
      const { image } = await createImage(caller, { prompt: "a fox", size: "720x1280" });
      const stored = await readMedia(image.key, 16 * 1024 * 1024);
      expect(await sharp(stored!).metadata()).toMatchObject({
        format: "png",
        width: 720,
        height: 1280,
      });
    });
  });
});
