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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../core/media/ffmpeg";
import { createProviderEmulator } from "../../local/provider-emulator/server";
import { waitFor } from "../support/wait";

// The emulator's contract is OpenAI's: every endpoint is driven through the official SDK, so what
// passes here is what the real adapter can rely on.
const KEY = "sk-test-1";
const OTHER_KEY = "sk-test-2";
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const GENERATION_MS = 1_500;

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
    { timeoutMs: 30_000, intervalMs: 100, what: `${id} to finish` },
  );
  return seen;
}

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

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#3a6ea5" } })
    .png()
    .toBuffer();

describe("provider emulator, through the OpenAI SDK", () => {
  let completed: Video;

  it("answers its health check", async () => {
    const response = await fetch(`${emulator.url}/_emulator/health`);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("creates a video that goes queued, then rising progress, then completed", async () => {
    const created = await client.videos.create({
      prompt: "a red kite over the dunes at dusk",
      seconds: "4",
      size: "1280x720",
    });
    expect(created).toMatchObject({
      object: "video",
      status: "queued",
      progress: 0,
      model: "sora-2",
      seconds: "4",
      size: "1280x720",
      remixed_from_video_id: null,
      completed_at: null,
      error: null,
    });
    expect(created.id).toMatch(/^video_[0-9a-f]+$/);

    const seen = await untilFinished(created.id);
    completed = seen[seen.length - 1]!;
    expect(completed.status).toBe("completed");
    expect(completed.progress).toBe(100);
    expect(completed.completed_at).toBeGreaterThanOrEqual(created.created_at);
    expect(completed.expires_at).toBeGreaterThan(completed.completed_at!);

    const progress = seen.map((video) => video.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.some((video) => video.status === "in_progress" && video.progress > 0)).toBe(true);
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
    expect(Math.abs(info.durationSeconds - 4)).toBeLessThanOrEqual(0.15);
  });

  it("serves the thumbnail and the sprite sheet as WebP", async () => {
    for (const variant of ["thumbnail", "spritesheet"] as const) {
      const response = await client.videos.downloadContent(completed.id, { variant });
      expect(response.headers.get("content-type")).toBe("image/webp");
      expect(isWebp(await bytesOf(response)), variant).toBe(true);
    }
  });

  it("accepts a reference image of exactly the size, and refuses any other", async () => {
    const withReference = await client.videos.create({
      // Characters that would break an ffmpeg filtergraph: the prompt must reach drawtext intact.
      prompt: "the same street: at night, [rain]; 100% 'wet' \\ %{pts}",
      size: "720x1280",
      input_reference: await toFile(await png(720, 1280), "ref.png", { type: "image/png" }),
    });
    expect(withReference.status).toBe("queued");

    const error = await rejection(
      client.videos.create({
        prompt: "wrong size",
        size: "720x1280",
        input_reference: await toFile(await png(1280, 720), "ref.png", { type: "image/png" }),
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, param: "input_reference" });

    const seen = await untilFinished(withReference.id);
    expect(seen[seen.length - 1]?.status).toBe("completed");
  });

  it("refuses invalid parameters with OpenAI's 400", async () => {
    const badSeconds = await rejection(client.videos.create({ prompt: "x", seconds: "5" as "4" }));
    expect(badSeconds).toBeInstanceOf(BadRequestError);
    expect(badSeconds).toMatchObject({ param: "seconds" });

    const noPrompt = await rejection(client.videos.create({ prompt: "" }));
    expect(noPrompt).toMatchObject({ status: 400, param: "prompt" });
  });

  it("lists newest first and pages with `after`", async () => {
    const all = await client.videos.list({ limit: 100 });
    expect(all.data.length).toBeGreaterThanOrEqual(2);
    const createdAt = all.data.map((video) => video.created_at);
    expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));

    const firstPage = await client.videos.list({ limit: 1 });
    expect(firstPage.data.map((video) => video.id)).toEqual([all.data[0]!.id]);
    expect(firstPage.has_more).toBe(true);
    const secondPage = await client.videos.list({ limit: 1, after: firstPage.last_id });
    expect(secondPage.data.map((video) => video.id)).toEqual([all.data[1]!.id]);

    const paged: string[] = [];
    for await (const video of client.videos.list({ limit: 1 })) paged.push(video.id);
    expect(paged).toEqual(all.data.map((video) => video.id));
  });

  it("remixes a completed video, and refuses to remix an unfinished one", async () => {
    const remix = await client.videos.remix(completed.id, { prompt: "the kite, now blue" });
    expect(remix).toMatchObject({
      remixed_from_video_id: completed.id,
      prompt: "the kite, now blue",
      size: completed.size,
      seconds: completed.seconds,
    });
    const error = await rejection(client.videos.remix(remix.id, { prompt: "too soon" }));
    expect(error).toBeInstanceOf(BadRequestError);
    const seen = await untilFinished(remix.id);
    expect(seen[seen.length - 1]?.status).toBe("completed");
  });

  it("answers 404 for an unknown id", async () => {
    expect(await rejection(client.videos.retrieve("video_doesnotexist"))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("refuses a key that is not an sk- key", async () => {
    const error = await rejection(clientFor("not-a-key").videos.list());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("keeps each key's videos to itself", async () => {
    const other = clientFor(OTHER_KEY);
    expect(await rejection(other.videos.retrieve(completed.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(other.videos.delete(completed.id))).toBeInstanceOf(NotFoundError);
    expect((await other.videos.list()).data).toEqual([]);
  });

  it("delivers signed webhooks the SDK verifies", async () => {
    const delivery = await waitFor(
      () => deliveries.find((d) => JSON.parse(d.body).data?.id === completed.id),
      { timeoutMs: 5_000, what: `the webhook for ${completed.id}` },
    );
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
    expect(video.expires_at).toBeLessThan(Date.now() / 1000);
    expect(await rejection(client.videos.downloadContent(completed.id))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("deletes a video", async () => {
    const deleted = await client.videos.delete(completed.id);
    expect(deleted).toEqual({ id: completed.id, object: "video.deleted", deleted: true });
    expect(await rejection(client.videos.retrieve(completed.id))).toBeInstanceOf(NotFoundError);
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
  afterAll(() => fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" }));

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
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("answers 500 for injected server errors", async () => {
    await setFaults({ serverErrors: { count: 1 } });
    expect(await rejection(client.videos.list())).toBeInstanceOf(InternalServerError);
  });

  it("fails the next job with the given error, and says so by webhook", async () => {
    await setFaults({
      failNextJobs: { count: 1, code: "moderation_blocked", message: "Blocked." },
    });
    const job = await client.videos.create({ prompt: "this one fails" });
    const seen = await untilFinished(job.id);
    expect(seen[seen.length - 1]).toMatchObject({
      status: "failed",
      error: { code: "moderation_blocked", message: "Blocked." },
    });
    const delivery = await waitFor(
      () => deliveries.find((d) => JSON.parse(d.body).data?.id === job.id),
      { timeoutMs: 5_000, what: `the webhook for ${job.id}` },
    );
    const event = await client.webhooks.unwrap(
      delivery.body,
      delivery.headers as Record<string, string>,
    );
    expect(event.type).toBe("video.failed");
  });

  it("fails a job whose render fails with render_failed", async () => {
    const previous = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = join(workDir, "no-such-ffmpeg");
    try {
      const job = await client.videos.create({ prompt: "no ffmpeg today" });
      const seen = await untilFinished(job.id);
      expect(seen[seen.length - 1]).toMatchObject({
        status: "failed",
        error: { code: "render_failed" },
      });
    } finally {
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    }
  });

  it("slows every answer down by slowMs", async () => {
    await setFaults({ slowMs: 300 });
    const started = Date.now();
    await client.videos.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
  });
});

describe("images and responses", () => {
  it("generates a PNG of exactly the requested size", async () => {
    const result = await client.images.generate({
      model: "gpt-image-2",
      prompt: "a lighthouse in fog",
      size: "1280x720" as "1024x1024",
    });
    const image = Buffer.from(result.data?.[0]?.b64_json ?? "", "base64");
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ format: "png", width: 1280, height: 720 });

    const error = await rejection(
      client.images.generate({
        model: "gpt-image-2",
        prompt: "x",
        size: "1000x700" as "1024x1024",
      }),
    );
    expect(error).toMatchObject({ status: 400, param: "size" });
  });

  it("rewrites a prompt into a production prompt, the same way every time", async () => {
    const ask = () =>
      client.responses.create({
        model: "gpt-5-mini",
        instructions: "Rewrite the idea as a video prompt.",
        input: "a heron lifting off a misty lake, 8 seconds",
      });
    const [first, second] = [await ask(), await ask()];
    expect(first.output_text).toContain("heron");
    expect(first.output_text).toMatch(/Camera: /);
    expect(first.output_text).toMatch(/\b8 s\b/);
    expect(second.output_text).toBe(first.output_text);
    expect(first.usage?.total_tokens).toBeGreaterThan(0);
  });
});
