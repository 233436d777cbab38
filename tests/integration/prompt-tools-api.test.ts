// Prompt improvement, reference images and videos started from a stored reference, through the
// HTTP API of the local stack. The fault tests come first: faults are the emulator's, shared with
// the poller, so they run before this file has any job in flight.
import { randomBytes } from "node:crypto";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import sharp from "sharp";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoClient, s3Client } from "#core/aws";
import { resolveCredential } from "#core/credentials";
import { ownerIdFor } from "#core/identity";
import type { Job } from "#core/jobs/model";
import { readMedia } from "#core/media/storage";
import { frameReferenceKey } from "#core/videos/index";
import { api, newKey, useStackEnvironment } from "../support/api";
import { runtimeLog } from "../support/runtime-log";
import { waitFor } from "../support/wait";

beforeAll(useStackEnvironment);

const SIZES = ["1280x720", "720x1280", "1792x1024", "1024x1792"];

async function emulatorFaults(faults?: unknown) {
  const response = await fetch(`${inject("stack").providerUrl}/_emulator/faults`, {
    method: faults === undefined ? "DELETE" : "POST",
    headers: { "content-type": "application/json" },
    body: faults === undefined ? undefined : JSON.stringify(faults),
  });
  expect(response.ok).toBe(true);
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3Client().send(
    new ListObjectsV2Command({ Bucket: "media", Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!);
}

async function storedJob(id: string): Promise<Job> {
  const { Item } = await dynamoClient().send(new GetCommand({ TableName: "Jobs", Key: { id } }));
  return Item as Job;
}

async function pngSize(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const { width, height, format } = await sharp(
    Buffer.from(await response.arrayBuffer()),
  ).metadata();
  return { size: `${width}x${height}`, format };
}

const improve = (json: unknown, credential = newKey()) =>
  api("/api/prompts/improve", { credential, json });

describe("POST /api/prompts/improve", () => {
  afterEach(() => emulatorFaults());

  it("answers {prompt, notes}, keeping the idea's words", async () => {
    const idea = "A paper boat drifts down a rain gutter";
    const { status, body } = await improve({ prompt: idea });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["notes", "prompt"]);
    expect(body.prompt).toContain("paper boat");
    expect(body.prompt).toContain("rain gutter");
    expect(body.prompt.length).toBeLessThanOrEqual(4000);
    expect(body.notes.length).toBeGreaterThan(0);
    for (const note of body.notes) expect(note).toEqual(expect.any(String));
  });

  it("times the action beats to the clip's seconds", async () => {
    const { status, body } = await improve({
      prompt: "a lighthouse keeper climbs the spiral stairs",
      seconds: 8,
      size: "1280x720",
      model: "sora-2",
    });
    expect(status).toBe(200);
    expect(body.prompt).toMatch(/^- 0-3 s: /m);
    expect(body.prompt).toMatch(/^- 5-8 s: /m);
    expect(body.notes).toContain("Timed the action beats to the 8-second clip");
  });

  it("works for an access code, with the operator's key", async () => {
    const { status } = await improve(
      { prompt: "a fox in the snow" },
      inject("stack").demoAccessCode,
    );
    expect(status).toBe(200);
  });

  it.each([
    ["an empty prompt", { prompt: "   " }, 400, "invalid_request"],
    ["an over-long prompt", { prompt: "x".repeat(4001) }, 400, "invalid_request"],
    ["an unknown size", { prompt: "a fox", size: "640x480" }, 400, "unknown_size"],
    ["unknown seconds", { prompt: "a fox", seconds: 5 }, 400, "unknown_seconds"],
  ])("refuses %s", async (_, json, status, code) => {
    const reply = await improve(json);
    expect(reply.status).toBe(status);
    expect(reply.body.error).toEqual({ code, message: expect.any(String) });
  });

  it("401 without a credential", async () => {
    const reply = await api("/api/prompts/improve", { json: { prompt: "a fox" } });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("unauthorized");
  });

  it("a provider outage is a clear 503", async () => {
    await emulatorFaults({ serverErrors: { count: 10 } });
    const reply = await improve({ prompt: "a fox" });
    expect(reply.status).toBe(503);
    expect(reply.body.error).toEqual({
      code: "provider_unavailable",
      message: "The text model is unavailable.",
    });
  });

  it("a provider rate limit is a 429 with retry-after", async () => {
    await emulatorFaults({ rateLimit: { count: 10, retryAfterSeconds: 1 } });
    const reply = await improve({ prompt: "a fox" });
    expect(reply.status).toBe(429);
    expect(reply.body.error).toEqual({
      code: "provider_rate_limited",
      message: "The text model is rate limiting requests.",
    });
    expect(reply.headers.get("retry-after")).toBe("1");
  });
});

describe("POST /api/images", () => {
  it.each(SIZES)("makes a PNG of exactly %s", async (size) => {
    const credential = newKey();
    const { status, body } = await api("/api/images", {
      credential,
      json: { prompt: "a lighthouse at dusk", size },
    });
    expect(status).toBe(201);
    const [width, height] = size.split("x").map(Number);
    expect(body.image).toEqual({ key: expect.any(String), url: expect.any(String), width, height });
    expect(body.image.key).toMatch(
      new RegExp(`^drafts/${ownerIdFor(credential)}/[0-9A-HJKMNP-TV-Z]{26}\\.png$`),
    );
    expect(await pngSize(body.image.url)).toEqual({ size, format: "png" });
  });

  it("refuses a size no video has, and writes nothing", async () => {
    const credential = newKey();
    const reply = await api("/api/images", {
      credential,
      json: { prompt: "a fox", size: "1024x1024" },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("unknown_size");
    expect(await keysUnder(`drafts/${ownerIdFor(credential)}/`)).toEqual([]);
  });

  it("401 without a credential", async () => {
    const reply = await api("/api/images", { json: { prompt: "a fox", size: "1280x720" } });
    expect(reply.status).toBe(401);
  });
});

describe("whose models serve the tools", () => {
  const runwayKey = () => `key_${randomBytes(16).toString("hex")}`;
  const openRouterKey = () => `sk-or-v1-${randomBytes(32).toString("hex")}`;

  /** The runtime's word on which provider served the request just made with `tool`. */
  async function servedBy(tool: "text" | "image", since: number) {
    const entries = await runtimeLog(
      (entry) =>
        entry.message === "tool model" &&
        entry.tool === tool &&
        Date.parse(String(entry.timestamp)) >= since,
    );
    expect(entries.length).toBeGreaterThan(0);
    const { provider, whose } = entries.at(-1)!;
    return { provider, whose };
  }

  it.each([
    // Runway has an image model and no text model: its key draws, the operator's model writes.
    ["a Runway key", runwayKey, { text: ["openai", "operator"], image: ["runway", "caller"] }],
    // OpenRouter routes both: the person's own key pays for both.
    [
      "an OpenRouter key",
      openRouterKey,
      { text: ["openrouter", "caller"], image: ["openrouter", "caller"] },
    ],
    [
      "an access code",
      () => inject("stack").demoAccessCode,
      { text: ["openai", "operator"], image: ["openai", "operator"] },
    ],
  ])(
    "with %s: improve and image work, each on the expected account",
    async (_, credential, expected) => {
      const key = credential();
      const since = Date.now() - 1_000;
      const improved = await improve({ prompt: "a fox crosses a frozen river" }, key);
      expect(improved.status, JSON.stringify(improved.body)).toBe(200);
      expect(improved.body.prompt).toContain("fox");
      expect(await servedBy("text", since)).toEqual({
        provider: expected.text[0],
        whose: expected.text[1],
      });

      const size = "1280x720";
      const drawn = await api("/api/images", { credential: key, json: { prompt: "a fox", size } });
      expect(drawn.status, JSON.stringify(drawn.body)).toBe(201);
      expect(await pngSize(drawn.body.image.url)).toEqual({ size, format: "png" });
      expect(await servedBy("image", since)).toEqual({
        provider: expected.image[0],
        whose: expected.image[1],
      });
    },
  );
});

describe("POST /api/videos with a referenceKey", () => {
  const owner = newKey();
  const video = { prompt: "the lighthouse beam sweeps the sea", model: "sora-2", seconds: 4 };
  let imageKey: string;
  /** A completed job of the owner's, with its frames. */
  let finishedId: string;
  /** The job that continues it from its last frame. */
  let continuation: Job;

  beforeAll(async () => {
    const { body } = await api("/api/images", {
      credential: owner,
      json: { prompt: "a lighthouse at dusk", size: "1280x720" },
    });
    imageKey = body.image.key;
  });

  it("starts from a generated image, fitted to the video's size and kept as the job's own", async () => {
    const { status, body } = await api("/api/videos", {
      credential: owner,
      json: { ...video, size: "720x1280", referenceKey: imageKey },
    });
    expect(status).toBe(202);
    const job = await storedJob(body.id);
    expect(job.referenceKey).toMatch(new RegExp(`^references/${ownerIdFor(owner)}/`));
    expect(job.referenceKey).not.toBe(imageKey);
    expect(job.parentId).toBeUndefined();
    const copy = await readMedia(job.referenceKey!, 16 * 1024 * 1024);
    expect(await sharp(copy!).metadata()).toMatchObject({
      format: "png",
      width: 720,
      height: 1280,
    });
    // The image stays in the library for the next video.
    expect(await keysUnder(imageKey)).toEqual([imageKey]);
  });

  it("takes the key as a multipart field too", async () => {
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...video, size: "1280x720" })) {
      form.set(name, String(value));
    }
    form.set("referenceKey", imageKey);
    const { status, body } = await api("/api/videos", { credential: owner, form });
    expect(status).toBe(202);
    expect((await storedJob(body.id)).referenceKey).toEqual(expect.any(String));
  });

  it("refuses an uploaded image and a key together", async () => {
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...video, size: "1280x720" })) {
      form.set(name, String(value));
    }
    form.set("referenceKey", imageKey);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000" } })
      .png()
      .toBuffer();
    form.set("input_reference", new Blob([png], { type: "image/png" }), "ref.png");
    const reply = await api("/api/videos", { credential: owner, form });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("reference_conflict");
  });

  it("continues from a finished job's last frame", async () => {
    const { body: first } = await api("/api/videos", {
      credential: owner,
      json: { ...video, size: "1280x720" },
    });
    await waitFor(
      async () => {
        const { body } = await api(`/api/videos/${first.id}`, { credential: owner });
        return body.status === "completed" && body.media.lastFrame;
      },
      { timeoutMs: 90_000, what: "the first job to complete with its frames" },
    );
    finishedId = first.id;
    const lastFrame = await frameReferenceKey(await resolveCredential(owner), {
      id: first.id,
      frame: "last",
    });
    expect(lastFrame).toBe(`videos/${ownerIdFor(owner)}/${first.id}/last.png`);

    const { status, body } = await api("/api/videos", {
      credential: owner,
      json: { ...video, size: "720x1280", referenceKey: lastFrame },
    });
    expect(status).toBe(202);
    expect(body.parentId).toBe(first.id);
    continuation = await storedJob(body.id);
    expect(continuation.referenceKey).toMatch(new RegExp(`^references/${ownerIdFor(owner)}/`));
    const copy = await readMedia(continuation.referenceKey!, 16 * 1024 * 1024);
    expect(await sharp(copy!).metadata()).toMatchObject({ width: 720, height: 1280 });
  });

  it("rejects another owner's keys, unknown keys and other files, writing nothing", async () => {
    const stranger = newKey();
    const strangerId = ownerIdFor(stranger);
    const ownerId = ownerIdFor(owner);
    const jobsBefore = (
      await dynamoClient().send(new ScanCommand({ TableName: "Jobs", Select: "COUNT" }))
    ).Count;
    const cases: Array<[string, number]> = [
      [imageKey, 404],
      [`videos/${ownerId}/${finishedId}/last.png`, 404],
      [`references/${strangerId}/01JC3Z8W6K2M4N5P7Q8R9S0T1V.png`, 404],
      [`videos/${ownerId}/${finishedId}/video.mp4`, 400],
      [`references/${ownerId}/../${strangerId}/x.png`, 400],
      ["not a key", 400],
    ];
    for (const [referenceKey, status] of cases) {
      const reply = await api("/api/videos", {
        credential: stranger,
        json: { ...video, size: "1280x720", referenceKey },
      });
      expect(reply.status, referenceKey).toBe(status);
      expect(reply.body.error.code, referenceKey).toBe(
        status === 404 ? "not_found" : "invalid_reference_key",
      );
    }
    expect((await api("/api/videos", { credential: stranger })).body.jobs).toEqual([]);
    expect(await keysUnder(`references/${strangerId}/`)).toEqual([]);
    expect(await keysUnder(`videos/${strangerId}/`)).toEqual([]);
    const jobsAfter = (
      await dynamoClient().send(new ScanCommand({ TableName: "Jobs", Select: "COUNT" }))
    ).Count;
    expect(jobsAfter).toBe(jobsBefore);
  });

  it("keeps the continuation's reference when the job it came from is deleted", async () => {
    const deleted = await api(`/api/videos/${finishedId}`, { credential: owner, method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(await keysUnder(`videos/${ownerIdFor(owner)}/${finishedId}/`)).toEqual([]);
    expect(await keysUnder(continuation.referenceKey!)).toEqual([continuation.referenceKey]);
  });
});
