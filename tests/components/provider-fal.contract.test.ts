import { createHash, createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, createFalClient, ValidationError, type QueueStatus } from "@fal-ai/client";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { probe } from "#local/ffprobe";
import { falBaseUrlMiddleware, falUrlUnder } from "#core/providers/fal";
import { FAL_VIDEO_ENDPOINTS } from "#local/providers/fal/index";
import { createProviderEmulator } from "#local/providers/server";
import { waitFor } from "../support/wait";
import { firstFrameTop, solidPng } from "../support/images";

// The fal emulator's contract is fal's: everything goes through the official client, pointed at
// the emulator by the same middleware Takes' adapter uses, so what passes here is what the
// adapter can rely on.
const KEY = "emulator-key-id:emulator-key-secret";
const GENERATION_MS = 1_200;
const VEO = "fal-ai/veo3.1";

interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
}

let emulator: Awaited<ReturnType<typeof createProviderEmulator>>;
let receiver: Server;
let webhookUrl: string;
let workDir: string;
const deliveries: Delivery[] = [];

const clientFor = (credentials: string, maxRetries?: number) =>
  createFalClient({
    credentials,
    requestMiddleware: falBaseUrlMiddleware(`${emulator.url}/fal`),
    ...(maxRetries === undefined ? {} : { retry: { maxRetries } }),
  });
let fal: ReturnType<typeof clientFor>;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "provider-fal-contract-"));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fal-webhook`;
  emulator = await createProviderEmulator({ generationMs: GENERATION_MS });
  fal = clientFor(KEY);
});

afterAll(async () => {
  await emulator?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
}

/** Polls through the client until COMPLETED; returns every status seen. */
async function untilCompleted(endpoint: string, requestId: string): Promise<QueueStatus[]> {
  const seen: QueueStatus[] = [];
  await waitFor(
    async () => {
      const status = await fal.queue.status(endpoint, { requestId, logs: true });
      seen.push(status);
      return status.status === "COMPLETED";
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `${requestId} to complete` },
  );
  return seen;
}

const dataUri = (png: Buffer) => `data:image/png;base64,${png.toString("base64")}`;

/** Downloads a result's video (the CDN needs no key) and probes it. */
async function probeVideo(url: string, name: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("video/mp4");
  const file = join(workDir, name);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return { file, info: await probe(file) };
}

const deliveryFor = (requestId: string) =>
  waitFor(() => deliveries.find((d) => JSON.parse(d.body).request_id === requestId), {
    timeoutMs: 5_000,
    what: `the webhook for ${requestId}`,
  });

describe("fal emulator: the queue, through @fal-ai/client", () => {
  let completedId = "";
  let completedVideoUrl = "";

  it("declares every endpoint's durations, shapes and image inputs in one table", () => {
    const veo = FAL_VIDEO_ENDPOINTS.find((endpoint) => endpoint.id === VEO);
    expect(veo).toMatchObject({
      durations: ["4s", "6s", "8s"],
      aspectRatios: ["16:9", "9:16"],
      resolutions: ["720p", "1080p"],
      sizes: {
        "720p": { "16:9": "1280x720", "9:16": "720x1280" },
        "1080p": { "16:9": "1920x1080", "9:16": "1080x1920" },
      },
    });
    const kling = FAL_VIDEO_ENDPOINTS.find(
      (endpoint) => endpoint.id === "fal-ai/kling-video/v3/pro/image-to-video",
    );
    expect(kling?.images.map((image) => image.field)).toEqual(["start_image_url", "end_image_url"]);
    for (const endpoint of FAL_VIDEO_ENDPOINTS) {
      for (const sizes of Object.values(endpoint.sizes)) {
        for (const size of Object.values(sizes)) expect(size, endpoint.id).toMatch(/^\d+x\d+$/);
      }
    }
  });

  it("submits, reports IN_QUEUE / IN_PROGRESS / COMPLETED with no progress figure, and serves the result", async () => {
    const submitted = await fal.queue.submit(VEO, {
      input: {
        prompt: "a red kite over the dunes at dusk",
        duration: "4s",
        aspect_ratio: "16:9",
        resolution: "720p",
        generate_audio: false,
      },
      webhookUrl,
    });
    const id = submitted.request_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // Status, result and cancel URLs name fal's own host and only {owner}/{app}, as fal's do.
    expect(submitted).toMatchObject({
      status: "IN_QUEUE",
      queue_position: 0,
      response_url: `https://queue.fal.run/fal-ai/veo3.1/requests/${id}`,
      status_url: `https://queue.fal.run/fal-ai/veo3.1/requests/${id}/status`,
      cancel_url: `https://queue.fal.run/fal-ai/veo3.1/requests/${id}/cancel`,
    });

    const early = await rejection(fal.queue.result(VEO, { requestId: id }));
    expect(early).toBeInstanceOf(ApiError);
    expect(early).toMatchObject({ status: 400 });

    const seen = await untilCompleted(VEO, id);
    const states = seen.map((status) => status.status);
    expect(states).toContain("IN_PROGRESS");
    expect(states[states.length - 1]).toBe("COMPLETED");
    expect(states.indexOf("IN_PROGRESS")).toBeLessThan(states.indexOf("COMPLETED"));
    for (const status of seen) expect(status).not.toHaveProperty("progress");
    const running = seen.find((status) => status.status === "IN_PROGRESS");
    expect(running).toMatchObject({ logs: [expect.objectContaining({ level: "INFO" })] });
    expect(seen[seen.length - 1]).toMatchObject({
      metrics: { inference_time: expect.any(Number) },
    });

    // The URLs from the submit work as they are, once the middleware's rewrite is applied.
    const raw = await fetch(falUrlUnder(`${emulator.url}/fal`, submitted.status_url), {
      headers: { authorization: `Key ${KEY}` },
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ status: "COMPLETED", request_id: id });

    const result = await fal.queue.result(VEO, { requestId: id });
    expect(result.requestId).toBe(id);
    const { video } = result.data;
    expect(video).toMatchObject({ content_type: "video/mp4", file_name: "video.mp4" });
    expect(video.url).toMatch(new RegExp(`^${emulator.url}/fal/cdn/[0-9a-f]+/video\\.mp4$`));
    const { info } = await probeVideo(video.url, "veo.mp4");
    expect(info).toMatchObject({ width: 1280, height: 720, codec: "h264" });
    expect(Math.abs(info.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
    expect(video.file_size).toBe(Number((await fetch(video.url)).headers.get("content-length")));
    completedId = id;
    completedVideoUrl = video.url;
  });

  it("delivers a webhook signed ED25519, verifiable with the JWKS the emulator serves", async () => {
    const delivery = await deliveryFor(completedId);
    const event = JSON.parse(delivery.body);
    expect(event).toMatchObject({
      request_id: completedId,
      gateway_request_id: completedId,
      status: "OK",
      payload: { video: { url: completedVideoUrl } },
    });
    expect(event).not.toHaveProperty("error");

    const jwksUrl = falUrlUnder(`${emulator.url}/fal`, "https://rest.fal.ai/.well-known/jwks.json");
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: JsonWebKey[] };
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", x: expect.any(String) });

    const header = (name: string) => String(delivery.headers[name]);
    const timestamp = Number(header("x-fal-webhook-timestamp"));
    expect(Math.abs(Date.now() / 1000 - timestamp)).toBeLessThan(300);
    expect(header("x-fal-webhook-request-id")).toBe(completedId);
    const signedBy = (body: string) =>
      Buffer.from(
        [
          header("x-fal-webhook-request-id"),
          header("x-fal-webhook-user-id"),
          header("x-fal-webhook-timestamp"),
          createHash("sha256").update(body).digest("hex"),
        ].join("\n"),
      );
    const signature = Buffer.from(header("x-fal-webhook-signature"), "hex");
    const isValid = (body: string) =>
      jwks.keys.some((jwk) =>
        verify(null, signedBy(body), createPublicKey({ key: jwk, format: "jwk" }), signature),
      );
    expect(isValid(delivery.body)).toBe(true);
    expect(isValid(delivery.body.replace(completedId, "someone-else"))).toBe(false);
  });

  it("runs Kling v3 through fal.subscribe, polling with logs, at the declared size", async () => {
    const updates: QueueStatus[] = [];
    let enqueued = "";
    // The standard tier renders 720p (pro is 1080p): cheaper on a shared machine.
    const result = await fal.subscribe("fal-ai/kling-video/v3/standard/text-to-video", {
      input: { prompt: "a paper boat in a gutter stream", duration: "3", aspect_ratio: "9:16" },
      logs: true,
      pollInterval: 100,
      onEnqueue: (requestId) => (enqueued = requestId),
      onQueueUpdate: (update) => updates.push(update),
    });
    expect(result.requestId).toBe(enqueued);
    expect(updates[updates.length - 1]?.status).toBe("COMPLETED");
    const { info } = await probeVideo(result.data.video.url, "kling.mp4");
    expect(info).toMatchObject({ width: 720, height: 1280 });
    expect(Math.abs(info.durationSeconds - 3)).toBeLessThanOrEqual(0.1);
  });

  it("uploads a Blob input through fal storage and opens on it, cover-fitted", async () => {
    // A 4:3 red image: "auto" makes the clip 16:9 and the red is cropped to fill it.
    const red = await solidPng("640x480", "#d01010");
    const result = await fal.subscribe("fal-ai/veo3.1/image-to-video", {
      input: {
        prompt: "the red wall comes alive",
        image_url: new Blob([new Uint8Array(red)], { type: "image/png" }),
        duration: "4s",
      },
      pollInterval: 100,
    });
    const { file, info } = await probeVideo(result.data.video.url, "i2v.mp4");
    expect(info).toMatchObject({ width: 1280, height: 720 });
    const [r = 0, g = 0, b = 0] = await firstFrameTop(file);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(50);
    expect(b).toBeLessThan(50);

    // The storage client on its own: the file is served back from the emulator's CDN.
    const url = await fal.storage.upload(new Blob([new Uint8Array(red)], { type: "image/png" }));
    expect(url).toMatch(new RegExp(`^${emulator.url}/fal/cdn/`));
    const served = await fetch(url);
    expect(Buffer.from(await served.arrayBuffer()).equals(red)).toBe(true);
  });

  it("takes data: URIs for first and last frames, and streams status when asked", async () => {
    const submitted = await fal.queue.submit("fal-ai/veo3.1/fast/first-last-frame-to-video", {
      input: {
        prompt: "from blue to green",
        first_frame_url: dataUri(await solidPng("360x640", "#1010d0")),
        last_frame_url: dataUri(await solidPng("360x640", "#10d010")),
        duration: "4s",
      },
    });
    const events: QueueStatus[] = [];
    const done = await fal.queue.subscribeToStatus("fal-ai/veo3.1/fast/first-last-frame-to-video", {
      requestId: submitted.request_id,
      mode: "streaming",
      onQueueUpdate: (update) => events.push(update),
    });
    expect(done.status).toBe("COMPLETED");
    expect(events.length).toBeGreaterThan(1);
    const result = await fal.queue.result("fal-ai/veo3.1/fast/first-last-frame-to-video", {
      requestId: submitted.request_id,
    });
    const { file, info } = await probeVideo(result.data.video.url, "flf.mp4");
    // Portrait frames and aspect_ratio "auto": a 9:16 clip.
    expect(info).toMatchObject({ width: 720, height: 1280 });
    const [r = 0, , b = 0] = await firstFrameTop(file);
    expect(b).toBeGreaterThan(180);
    expect(r).toBeLessThan(50);
  });

  it("reports invalid input as fal does: the queue accepts it, the result is a 422 ValidationError", async () => {
    const submitted = await fal.queue.submit(VEO, {
      input: { prompt: "too long", duration: "5s" as "4s" },
    });
    expect(submitted.status).toBe("IN_QUEUE");
    await untilCompleted(VEO, submitted.request_id);
    const error = await rejection(fal.queue.result(VEO, { requestId: submitted.request_id }));
    expect(error).toBeInstanceOf(ValidationError);
    const [duration] = (error as ValidationError).getFieldErrors("duration");
    expect(duration).toMatchObject({
      type: "literal_error",
      loc: ["body", "duration"],
      msg: "Input should be '4s', '6s' or '8s'",
    });

    // fal.run answers at once, with the same 422.
    const missing = await rejection(fal.run(VEO, { input: {} as { prompt: string } }));
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).getFieldErrors("prompt")[0]).toMatchObject({
      type: "missing",
      msg: "Field required",
    });

    // Remote URLs are never fetched.
    const remote = await rejection(
      fal.subscribe("fal-ai/veo3.1/image-to-video", {
        input: { prompt: "x", image_url: "https://example.com/cat.png" },
        pollInterval: 100,
      }),
    );
    expect(remote).toBeInstanceOf(ValidationError);
    expect((remote as ValidationError).getFieldErrors("image_url")[0]).toMatchObject({
      type: "file_download_error",
      msg: expect.stringContaining("never fetches remote URLs"),
    });
  });

  it("refuses a key that is not <key_id>:<key_secret> with 401", async () => {
    const error = await rejection(
      clientFor("not-a-fal-key").queue.submit(VEO, { input: { prompt: "x" } }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 401,
      body: {
        detail: "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.",
      },
    });
  });

  it("keeps each key's requests to itself, and answers 404 for unknown ids", async () => {
    const other = clientFor("other-key-id:other-secret");
    expect(await rejection(other.queue.status(VEO, { requestId: completedId }))).toMatchObject({
      status: 404,
    });
    expect(
      await rejection(fal.queue.result(VEO, { requestId: "00000000-0000-0000-0000-000000000000" })),
    ).toMatchObject({ status: 404, body: { detail: "Request not found" } });
  });

  it("cancels a pending request: 202, then COMPLETED with client_cancelled; twice is ALREADY_COMPLETED", async () => {
    const submitted = await fal.queue.submit(VEO, {
      input: { prompt: "never mind", duration: "4s" },
    });
    await fal.queue.cancel(VEO, { requestId: submitted.request_id });
    const status = await fal.queue.status(VEO, { requestId: submitted.request_id });
    expect(status.status).toBe("COMPLETED");
    const error = await rejection(fal.queue.result(VEO, { requestId: submitted.request_id }));
    expect(error).toMatchObject({ status: 499, body: { error_type: "client_cancelled" } });
    const again = await rejection(fal.queue.cancel(VEO, { requestId: submitted.request_id }));
    expect(again).toMatchObject({ status: 400, body: { status: "ALREADY_COMPLETED" } });
  });

  it("lets a result lapse when its retention runs out, while the status stays COMPLETED", async () => {
    const response = await fetch(`${emulator.url}/_emulator/fal/expire/${completedId}`, {
      method: "POST",
    });
    expect(response.status).toBe(200);
    expect((await fal.queue.status(VEO, { requestId: completedId })).status).toBe("COMPLETED");
    const error = await rejection(fal.queue.result(VEO, { requestId: completedId }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404 });
    // expire() makes the output files lapse with it.
    expect((await fetch(completedVideoUrl)).status).toBe(404);
  });

  it("honours the object lifecycle preference: the CDN file lapses, the result stays", async () => {
    const endpoint = "fal-ai/kling-video/v3/standard/text-to-video";
    const result = await fal.subscribe(endpoint, {
      input: { prompt: "a short-lived clip", duration: "3", aspect_ratio: "1:1" },
      storageSettings: { expiresIn: 2 },
      pollInterval: 100,
    });
    const { url } = result.data.video;
    expect((await fetch(url)).status).toBe(200);
    await waitFor(async () => (await fetch(url)).status === 404, {
      timeoutMs: 6_000,
      intervalMs: 200,
      what: "the CDN file to lapse",
    });
    const again = await fal.queue.result(endpoint, { requestId: result.requestId });
    expect(again.data.video.url).toBe(url);
  });
});

describe("fal emulator: FLUX text to image, through @fal-ai/client", () => {
  const FLUX = "fal-ai/flux/dev";

  /** Downloads an image (the CDN needs no key) and reads its format and size. */
  async function imageAt(url: string, contentType: string) {
    const response = await fetch(url);
    expect(response.status, url).toBe(200);
    expect(response.headers.get("content-type")).toBe(contentType);
    const bytes = Buffer.from(await response.arrayBuffer());
    const { format, width, height } = await sharp(bytes).metadata();
    return { format, width, height, bytes };
  }

  it("draws a PNG of exactly the requested image_size through fal.subscribe", async () => {
    const result = await fal.subscribe(FLUX, {
      input: {
        prompt: "a lighthouse at dawn, seen from the cliffs",
        image_size: { width: 1280, height: 720 },
        output_format: "png",
      },
      logs: true,
      pollInterval: 100,
    });
    expect(result.data).toMatchObject({
      prompt: "a lighthouse at dawn, seen from the cliffs",
      seed: expect.any(Number),
      has_nsfw_concepts: [false],
      timings: { inference: expect.any(Number) },
    });
    const [image] = result.data.images;
    expect(image).toMatchObject({ width: 1280, height: 720, content_type: "image/png" });
    expect(image?.url).toMatch(new RegExp(`^${emulator.url}/fal/cdn/[0-9a-f]+/image-0\\.png$`));
    const { bytes, ...drawn } = await imageAt(image?.url ?? "", "image/png");
    expect(drawn).toEqual({ format: "png", width: 1280, height: 720 });
    expect(image?.file_size).toBe(bytes.length);
  });

  it("makes JPEGs unless asked for PNG, several at once through the queue; a seed draws the same image", async () => {
    const submitted = await fal.queue.submit(FLUX, {
      input: {
        prompt: "a tall paper lantern",
        image_size: { width: 1080, height: 1920 },
        num_images: 2,
        seed: 7,
      },
    });
    await untilCompleted(FLUX, submitted.request_id);
    const { data } = await fal.queue.result(FLUX, { requestId: submitted.request_id });
    expect(data.seed).toBe(7);
    expect(data.images).toHaveLength(2);
    expect(new Set(data.images.map((image) => image.url)).size).toBe(2);
    const drawn = await Promise.all(data.images.map((image) => imageAt(image.url, "image/jpeg")));
    for (const { format, width, height } of drawn) {
      expect({ format, width, height }).toEqual({ format: "jpeg", width: 1080, height: 1920 });
    }

    // sync_mode answers with data URIs (nothing on the CDN); the same seed, the same first image.
    const inline = await fal.run(FLUX, {
      input: {
        prompt: "a tall paper lantern",
        image_size: { width: 1080, height: 1920 },
        seed: 7,
        sync_mode: true,
      },
    });
    const [first] = inline.data.images;
    expect(first?.url).toMatch(/^data:image\/jpeg;base64,/);
    expect(Buffer.from(first?.url.split(",")[1] ?? "", "base64").equals(drawn[0]!.bytes)).toBe(
      true,
    );
  });

  it("reports an invalid image_size as pydantic does: both union members, as a 422", async () => {
    const error = await rejection(
      fal.run(FLUX, { input: { prompt: "x", image_size: { width: 0, height: 720 } } }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).getFieldErrors("width")).toEqual([
      {
        type: "greater_than",
        loc: ["body", "image_size", "ImageSize", "width"],
        msg: "Input should be greater than 0",
        input: 0,
        ctx: { gt: 0 },
      },
    ]);
    expect((error as ValidationError).fieldErrors[1]).toMatchObject({
      type: "literal_error",
      loc: ["body", "image_size", expect.stringMatching(/^literal\['square_hd',/)],
    });

    const queued = await fal.queue.submit(FLUX, {
      input: { prompt: "x", num_images: 5, output_format: "gif" as "png" },
    });
    await untilCompleted(FLUX, queued.request_id);
    const refused = await rejection(fal.queue.result(FLUX, { requestId: queued.request_id }));
    expect(refused).toMatchObject({ status: 422 });
    expect((refused as ValidationError).fieldErrors.map((field) => field.msg)).toEqual([
      "Input should be less than or equal to 4",
      "Input should be 'jpeg' or 'png'",
    ]);
  });
});

describe("fal emulator: faults and failures", () => {
  afterEach(() => emulator.clearFaults("fal"));

  it("rate limits with 429 and retry-after; the client retries on its own schedule", async () => {
    emulator.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 3 } }, "fal");
    const raw = await fetch(`${emulator.url}/fal/queue/fal-ai/veo3.1/requests/${"x".repeat(8)}`, {
      headers: { authorization: `Key ${KEY}` },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("3");
    expect(await raw.json()).toMatchObject({ detail: expect.any(String) });

    // Queue calls retry 429 themselves (about 1 s, then 2 s, 4 s), ignoring Retry-After.
    emulator.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 3 } }, "fal");
    const started = Date.now();
    const submitted = await fal.queue.submit("fal-ai/veo3.1/fast", {
      input: { prompt: "x", duration: "5s" as "4s" },
    });
    const waited = Date.now() - started;
    expect(submitted.status).toBe("IN_QUEUE");
    expect(waited).toBeGreaterThanOrEqual(700);
    expect(waited).toBeLessThan(2_900);

    // A call without its own retry policy (cancel) follows the client's `retry` config.
    emulator.setFaults({ rateLimit: { count: 1 } }, "fal");
    const limited = await rejection(
      clientFor(KEY, 0).queue.cancel("fal-ai/veo3.1/fast", { requestId: submitted.request_id }),
    );
    expect(limited).toMatchObject({ status: 429 });
  });

  it("answers 500 with fal's request-error shape; status retries it, result does not", async () => {
    const submitted = await fal.queue.submit("fal-ai/veo3.1/fast", {
      input: { prompt: "x", duration: "5s" as "4s" },
    });
    emulator.setFaults({ serverErrors: { count: 1 } }, "fal");
    const error = await rejection(
      fal.queue.result("fal-ai/veo3.1/fast", { requestId: submitted.request_id }),
    );
    expect(error).toMatchObject({ status: 500, body: { error_type: "internal_error" } });

    emulator.setFaults({ serverErrors: { count: 1 } }, "fal");
    const status = await fal.queue.status("fal-ai/veo3.1/fast", {
      requestId: submitted.request_id,
    });
    expect(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]).toContain(status.status);
  });

  it("reports a failed generation as COMPLETED; its result is the model error, also by webhook", async () => {
    emulator.setFaults(
      {
        failNextJobs: {
          count: 1,
          code: "content_policy_violation",
          message:
            "The content could not be processed because it contained material flagged by a content checker.",
        },
      },
      "fal",
    );
    const submitted = await fal.queue.submit(VEO, {
      input: { prompt: "something flagged", duration: "4s" },
      webhookUrl,
    });
    const seen = await untilCompleted(VEO, submitted.request_id);
    expect(seen[seen.length - 1]?.status).toBe("COMPLETED");
    const error = await rejection(fal.queue.result(VEO, { requestId: submitted.request_id }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors[0]).toMatchObject({
      type: "content_policy_violation",
      loc: ["body", "prompt"],
    });
    const event = JSON.parse((await deliveryFor(submitted.request_id)).body);
    expect(event).toMatchObject({
      status: "ERROR",
      error: "Invalid status code: 422",
      payload: { detail: [expect.objectContaining({ type: "content_policy_violation" })] },
    });
  });

  it("reports a request error with its error_type and X-Fal-Error-Type", async () => {
    emulator.setFaults(
      { failNextJobs: { count: 1, code: "runner_server_error", message: "The runner crashed." } },
      "fal",
    );
    const submitted = await fal.queue.submit(VEO, { input: { prompt: "crash", duration: "4s" } });
    await untilCompleted(VEO, submitted.request_id);
    const error = await rejection(fal.queue.result(VEO, { requestId: submitted.request_id }));
    expect(error).toMatchObject({
      status: 500,
      body: { detail: "The runner crashed.", error_type: "runner_server_error" },
    });
    const raw = await fetch(falUrlUnder(`${emulator.url}/fal`, submitted.response_url), {
      headers: { authorization: `Key ${KEY}` },
    });
    expect(raw.headers.get("x-fal-error-type")).toBe("runner_server_error");
  });
});
