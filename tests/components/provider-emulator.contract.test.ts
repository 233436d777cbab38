import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  InvalidWebhookSignatureError,
  NotFoundError,
  RateLimitError,
  toFile,
} from "openai";
import type { Video } from "openai/resources/videos";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runFfmpeg } from "#core/media/ffmpeg";
import { probe } from "#local/ffprobe";
import { createProviderEmulator } from "#local/providers/server";
import { waitFor } from "../support/wait";
import { solidPng } from "../support/images";

// The emulator's contract is OpenAI's: every endpoint is driven through the official SDK, so what
// passes here is what the real adapter can rely on.
const KEY = "sk-test-1";
const OTHER_KEY = "sk-test-2";
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const GENERATION_MS = 1_500;
const CONTENT_LIFETIME_SECONDS = 600;

const VIDEO_FIELDS = [
  "completed_at",
  "created_at",
  "error",
  "expires_at",
  "id",
  "model",
  "object",
  "progress",
  "prompt",
  "remixed_from_video_id",
  "seconds",
  "size",
  "status",
];

interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
}

let emulator: Awaited<ReturnType<typeof createProviderEmulator>>;
let client: OpenAI;
let receiver: Server;
let workDir: string;
const deliveries: Delivery[] = [];

/** A tiny webhook receiver: keeps every delivery, raw, for verification with the SDK. */
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
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
}

const clientFor = (apiKey: string, maxRetries = 0) =>
  new OpenAI({ apiKey, baseURL: `${emulator.url}/v1`, maxRetries, webhookSecret: WEBHOOK_SECRET });

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "provider-contract-"));
  const webhookUrl = await startReceiver();
  emulator = await createProviderEmulator({
    port: 0,
    generationMs: GENERATION_MS,
    contentLifetimeSeconds: CONTENT_LIFETIME_SECONDS,
    webhook: { url: webhookUrl, secret: WEBHOOK_SECRET },
  });
  client = clientFor(KEY);
});

afterAll(async () => {
  await emulator?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Polls through the SDK until the video is completed or failed; returns every state seen. */
async function untilFinished(id: string, sdk = client): Promise<Video[]> {
  const seen: Video[] = [];
  await waitFor(
    async () => {
      const video = await sdk.videos.retrieve(id);
      seen.push(video);
      return video.status === "completed" || video.status === "failed";
    },
    { timeoutMs: 45_000, intervalMs: 100, what: `${id} to finish` },
  );
  return seen;
}

const lastOf = (seen: Video[]) => seen[seen.length - 1]!;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
}

const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

const isWebp = (bytes: Buffer) =>
  bytes.subarray(0, 4).toString("latin1") === "RIFF" &&
  bytes.subarray(8, 12).toString("latin1") === "WEBP";

/** The webhook delivered for a video, once it has arrived. */
const deliveryFor = (videoId: string) =>
  waitFor(() => deliveries.find((d) => JSON.parse(d.body).data?.id === videoId), {
    timeoutMs: 5_000,
    what: `the webhook for ${videoId}`,
  });

describe("provider emulator videos, through the OpenAI SDK", () => {
  let completed: Video;

  it("answers its health check", async () => {
    const response = await fetch(`${emulator.url}/_emulator/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("creates a video that goes queued, then rising progress, then completed", async () => {
    const created = await client.videos.create({
      prompt: "a red kite over the dunes at dusk",
      seconds: "4",
      size: "1280x720",
    });
    expect(Object.keys(created).sort()).toEqual(VIDEO_FIELDS);
    expect(created).toMatchObject({
      object: "video",
      status: "queued",
      progress: 0,
      model: "sora-2",
      prompt: "a red kite over the dunes at dusk",
      seconds: "4",
      size: "1280x720",
      remixed_from_video_id: null,
      completed_at: null,
      expires_at: null,
      error: null,
    });
    expect(created.id).toMatch(/^video_[0-9a-f]+$/);

    // No content before completion.
    const early = await rejection(client.videos.downloadContent(created.id));
    expect(early).toBeInstanceOf(NotFoundError);
    expect(early).toMatchObject({ code: "video_not_ready" });

    const seen = await untilFinished(created.id);
    completed = lastOf(seen);
    expect(completed.status).toBe("completed");
    expect(completed.progress).toBe(100);
    expect(completed.completed_at).toBeGreaterThanOrEqual(created.created_at);
    expect(completed.expires_at).toBe(completed.completed_at! + CONTENT_LIFETIME_SECONDS);

    const progress = seen.map((video) => video.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const midway = seen.filter((video) => video.status === "in_progress");
    expect(midway.some((video) => video.progress > 0 && video.progress < 100)).toBe(true);
  });

  it("serves the video: exact size and length, H.264, with its content length", async () => {
    const response = await client.videos.downloadContent(completed.id, { variant: "video" });
    expect(response.headers.get("content-type")).toBe("video/mp4");
    const bytes = await bytesOf(response);
    expect(Number(response.headers.get("content-length"))).toBe(bytes.length);

    const file = join(workDir, "video.mp4");
    await writeFile(file, bytes);
    const info = await probe(file);
    expect(info).toMatchObject({ width: 1280, height: 720, codec: "h264" });
    expect(Math.abs(info.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
  });

  it("serves the thumbnail and the sprite sheet as WebP", async () => {
    for (const variant of ["thumbnail", "spritesheet"] as const) {
      const response = await client.videos.downloadContent(completed.id, { variant });
      expect(response.headers.get("content-type"), variant).toBe("image/webp");
      const bytes = await bytesOf(response);
      expect(Number(response.headers.get("content-length")), variant).toBe(bytes.length);
      expect(isWebp(bytes), variant).toBe(true);
    }
  });

  it("opens on a reference image of exactly the size, and refuses any other size", async () => {
    const withReference = await client.videos.create({
      // Characters that would break an ffmpeg filtergraph: the prompt must reach drawtext intact.
      prompt: "the same street: at night, [rain]; 100% 'wet' \\ %{pts}",
      size: "720x1280",
      input_reference: await toFile(await solidPng("720x1280", "#d01010"), "ref.png", {
        type: "image/png",
      }),
    });
    expect(withReference.status).toBe("queued");

    const wrongSize = await rejection(
      client.videos.create({
        prompt: "wrong size",
        size: "720x1280",
        input_reference: await toFile(await solidPng("1280x720", "#d01010"), "ref.png", {
          type: "image/png",
        }),
      }),
    );
    expect(wrongSize).toBeInstanceOf(BadRequestError);
    expect(wrongSize).toMatchObject({ status: 400, param: "input_reference" });
    expect((wrongSize as BadRequestError).message).toContain("1280x720");

    // `{image_url}` with a data: URL is the other way to pass one.
    const dataUrl = `data:image/png;base64,${(await solidPng("1280x720", "#1010d0")).toString("base64")}`;
    const byUrl = await client.videos.create({
      prompt: "from a data URL",
      size: "1280x720",
      input_reference: { image_url: dataUrl },
    });
    expect(byUrl.status).toBe("queued");
    await client.videos.delete(byUrl.id);

    expect(lastOf(await untilFinished(withReference.id)).status).toBe("completed");
    const file = join(workDir, "reference.mp4");
    await writeFile(file, await bytesOf(await client.videos.downloadContent(withReference.id)));
    const firstFrame = await runFfmpeg(
      ["-i", file, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"],
      { timeoutMs: 15_000 },
    );
    // The top half (the prompt is drawn lower down) is the red reference, not the test pattern.
    const { channels } = await sharp(firstFrame)
      .extract({ left: 0, top: 0, width: 720, height: 640 })
      .stats();
    expect(channels[0]!.mean).toBeGreaterThan(180);
    expect(channels[1]!.mean).toBeLessThan(50);
    expect(channels[2]!.mean).toBeLessThan(50);
  });

  it("refuses invalid parameters with OpenAI's 400", async () => {
    const badSeconds = await rejection(client.videos.create({ prompt: "x", seconds: "5" as "4" }));
    expect(badSeconds).toBeInstanceOf(BadRequestError);
    expect(badSeconds).toMatchObject({ param: "seconds", type: "invalid_request_error" });

    const badSize = await rejection(
      client.videos.create({ prompt: "x", size: "640x480" as "720x1280" }),
    );
    expect(badSize).toMatchObject({ status: 400, param: "size" });

    const noPrompt = await rejection(client.videos.create({ prompt: "" }));
    expect(noPrompt).toMatchObject({ status: 400, param: "prompt" });

    // Broken JSON cannot be sent through the SDK, so this one goes by hand.
    const response = await fetch(`${emulator.url}/v1/videos`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: '{"prompt": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: {
        type: "invalid_request_error",
        param: null,
        message: expect.stringContaining("JSON"),
      },
    });
  });

  it("lists newest first and pages with `after`", async () => {
    const lister = clientFor(`sk-list-${randomBytes(4).toString("hex")}`);
    const ids: string[] = [];
    for (const prompt of ["first", "second", "third"]) {
      ids.push((await lister.videos.create({ prompt })).id);
    }
    const newestFirst = [...ids].reverse();

    const firstPage = await lister.videos.list({ limit: 2 });
    expect(firstPage.data.map((video) => video.id)).toEqual(newestFirst.slice(0, 2));
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.last_id).toBe(newestFirst[1]);
    const raw = await lister.get<{ object: string; first_id: string }>("/videos", {
      query: { limit: 2 },
    });
    expect(raw).toMatchObject({ object: "list", first_id: newestFirst[0] });

    const secondPage = await lister.videos.list({ limit: 2, after: firstPage.last_id });
    expect(secondPage.data.map((video) => video.id)).toEqual(newestFirst.slice(2));
    expect(secondPage.has_more).toBe(false);

    const paged: string[] = [];
    for await (const video of lister.videos.list({ limit: 2 })) paged.push(video.id);
    expect(paged).toEqual(newestFirst);

    // Deleting also stops their renders, sparing the machine.
    for (const id of ids) await lister.videos.delete(id);
    expect((await lister.videos.list()).data).toEqual([]);
  });

  it("remixes a completed video, and refuses to remix an unfinished one", async () => {
    const remix = await client.videos.remix(completed.id, { prompt: "the kite, now blue" });
    expect(remix).toMatchObject({
      status: "queued",
      remixed_from_video_id: completed.id,
      prompt: "the kite, now blue",
      size: completed.size,
      seconds: completed.seconds,
    });
    expect(remix.id).not.toBe(completed.id);
    const error = await rejection(client.videos.remix(remix.id, { prompt: "too soon" }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(lastOf(await untilFinished(remix.id)).status).toBe("completed");
  });

  it("answers 404 for an unknown id", async () => {
    const error = await rejection(client.videos.retrieve("video_doesnotexist"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, type: "invalid_request_error" });
  });

  it("refuses a key that is not an sk- key", async () => {
    const error = await rejection(clientFor("not-a-key").videos.list());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("keeps each key's videos to itself", async () => {
    const other = clientFor(OTHER_KEY);
    expect(await rejection(other.videos.retrieve(completed.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(other.videos.downloadContent(completed.id))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejection(other.videos.remix(completed.id, { prompt: "mine" }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await rejection(other.videos.delete(completed.id))).toBeInstanceOf(NotFoundError);
    expect((await other.videos.list()).data).toEqual([]);
    // And the owner still has it.
    expect((await client.videos.retrieve(completed.id)).status).toBe("completed");
  });

  it("delivers signed webhooks the SDK verifies", async () => {
    const delivery = await deliveryFor(completed.id);
    const event = await client.webhooks.unwrap(
      delivery.body,
      delivery.headers as Record<string, string>,
      WEBHOOK_SECRET,
    );
    expect(event).toMatchObject({
      object: "event",
      type: "video.completed",
      data: { id: completed.id },
    });
    expect(event.id).toMatch(/^evt_[0-9a-f]+$/);
    expect(delivery.headers["webhook-id"]).toBe(event.id);

    const tampered = delivery.body.replace(completed.id, "video_someoneelse");
    expect(
      await rejection(client.webhooks.unwrap(tampered, delivery.headers as Record<string, string>)),
    ).toBeInstanceOf(InvalidWebhookSignatureError);
  });

  it("stops serving content once expired", async () => {
    const response = await fetch(`${emulator.url}/_emulator/expire/${completed.id}`, {
      method: "POST",
    });
    expect(response.status).toBe(200);
    const video = await client.videos.retrieve(completed.id);
    expect(video.status).toBe("completed");
    expect(video.expires_at).toBeLessThan(Date.now() / 1000);
    const error = await rejection(client.videos.downloadContent(completed.id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: "video_content_expired" });
  });

  it("deletes a video", async () => {
    const deleted = await client.videos.delete(completed.id);
    expect(deleted).toEqual({ id: completed.id, object: "video.deleted", deleted: true });
    expect(await rejection(client.videos.retrieve(completed.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(client.videos.delete(completed.id))).toBeInstanceOf(NotFoundError);
  });
});

describe("provider emulator faults", () => {
  const setFaults = async (faults: unknown) => {
    const response = await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(faults),
    });
    expect(response.status).toBe(200);
  };
  afterEach(async () => {
    const response = await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
    expect(response.status).toBe(200);
  });

  it("rate limits with retry-after", async () => {
    await setFaults({ rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const error = await rejection(client.videos.list());
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers?.get("retry-after")).toBe("1");
    // Only `count` requests are limited.
    await expect(client.videos.list()).resolves.toBeDefined();
  });

  it("lets the SDK's own retry get through one 429", async () => {
    await setFaults({ rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const started = Date.now();
    await expect(clientFor(KEY, 1).videos.list()).resolves.toBeDefined();
    // The SDK honoured retry-after before its one retry.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("answers 500 for injected server errors", async () => {
    await setFaults({ serverErrors: { count: 1 } });
    const error = await rejection(client.videos.list());
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 500, type: "server_error" });
    await expect(client.videos.list()).resolves.toBeDefined();
  });

  it("refuses a malformed fault", async () => {
    const response = await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rateLimit: { count: -1 } }),
    });
    expect(response.status).toBe(400);
  });

  it("fails the next job with the given error, and says so by webhook", async () => {
    await setFaults({
      failNextJobs: { count: 1, code: "moderation_blocked", message: "Blocked." },
    });
    const job = await client.videos.create({ prompt: "this one fails" });
    expect(lastOf(await untilFinished(job.id))).toMatchObject({
      status: "failed",
      completed_at: null,
      expires_at: null,
      error: { code: "moderation_blocked", message: "Blocked." },
    });
    expect(await rejection(client.videos.downloadContent(job.id))).toBeInstanceOf(NotFoundError);
    const delivery = await deliveryFor(job.id);
    const event = await client.webhooks.unwrap(
      delivery.body,
      delivery.headers as Record<string, string>,
    );
    expect(event.type).toBe("video.failed");

    // Only `count` jobs fail.
    const next = await client.videos.create({ prompt: "this one works" });
    expect(lastOf(await untilFinished(next.id)).status).toBe("completed");
  });

  it("fails a job whose render fails with render_failed", async () => {
    const previous = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = join(workDir, "no-such-ffmpeg");
    try {
      const job = await client.videos.create({ prompt: "no ffmpeg today" });
      expect(lastOf(await untilFinished(job.id))).toMatchObject({
        status: "failed",
        error: { code: "render_failed" },
      });
    } finally {
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    }
  });

  it("slows every answer down by slowMs, set programmatically too", async () => {
    emulator.setFaults({ slowMs: 400 });
    let started = Date.now();
    await client.videos.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);

    emulator.clearFaults();
    started = Date.now();
    await client.videos.list();
    expect(Date.now() - started).toBeLessThan(390);
  });
});

describe("provider emulator images and responses", () => {
  const generate = (prompt: string, size: string, n?: number) =>
    client.images.generate({ model: "gpt-image-2", prompt, size: size as "1024x1024", n });
  const decode = (result: OpenAI.ImagesResponse, index = 0) =>
    Buffer.from(result.data?.[index]?.b64_json ?? "", "base64");

  it("generates PNGs of exactly the requested size, the same for the same prompt", async () => {
    for (const size of ["1280x720", "1024x1792"]) {
      const metadata = await sharp(decode(await generate("a lighthouse in fog", size))).metadata();
      expect(`${metadata.width}x${metadata.height}`).toBe(size);
      expect(metadata.format).toBe("png");
    }

    const twice = [
      await generate("a lighthouse in fog", "512x512"),
      await generate("a lighthouse in fog", "512x512"),
    ];
    expect(decode(twice[1]!).equals(decode(twice[0]!))).toBe(true);
    const other = await generate("a cactus at noon", "512x512");
    expect(decode(other).equals(decode(twice[0]!))).toBe(false);

    const pair = await generate("two takes", "256x256", 2);
    expect(pair.data).toHaveLength(2);
    expect(decode(pair, 0).equals(decode(pair, 1))).toBe(false);
  });

  it("refuses sizes gpt-image-2 would refuse", async () => {
    for (const size of ["1000x704", "128x128", "4096x2048", "big"]) {
      const error = await rejection(generate("x", size));
      expect(error, size).toBeInstanceOf(BadRequestError);
      expect(error, size).toMatchObject({ param: "size" });
    }
  });

  it("rewrites a prompt into a production prompt, the same way every time", async () => {
    const ask = () =>
      client.responses.create({
        model: "gpt-5-mini",
        instructions: "Rewrite the idea as a video prompt.",
        input: "a heron lifting off a misty lake, 8 seconds",
      });
    const [first, second] = [await ask(), await ask()];
    expect(first).toMatchObject({ object: "response", status: "completed", model: "gpt-5-mini" });
    for (const word of ["heron", "misty lake", "Camera:", "Lighting:", "Palette:", "Mood:"]) {
      expect(first.output_text).toContain(word);
    }
    expect(first.output_text).toMatch(/\b8 seconds\b/);
    expect(second.output_text).toBe(first.output_text);
    expect(first.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("reads the last user message of a message array", async () => {
    const response = await client.responses.create({
      model: "gpt-5-mini",
      input: [
        { role: "developer", content: "You write video prompts." },
        { role: "user", content: [{ type: "input_text", text: "a lantern festival on a river" }] },
      ],
    });
    expect(response.output_text).toContain("a lantern festival on a river");
    expect(response.output_text).not.toContain("You write video prompts");

    const error = await rejection(client.responses.create({ model: "gpt-5-mini", input: "" }));
    expect(error).toMatchObject({ status: 400, param: "input" });
  });
});
