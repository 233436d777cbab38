import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { s3Client } from "#core/aws";
import { ownerIdFor } from "#core/identity";
import { api, newKey, useStackEnvironment } from "../support/api";
import { footprint, quiet } from "../support/footprint";
import { waitFor } from "../support/wait";

beforeAll(useStackEnvironment);

const valid = {
  prompt: "A paper boat drifts down a rain gutter",
  model: "sora-2",
  seconds: 4,
  size: "1280x720",
};

const JOB_FIELDS = [
  "awaitingKey",
  "completedAt",
  "cost",
  "createdAt",
  "error",
  "framesError",
  "id",
  "media",
  "model",
  "parentId",
  "progress",
  "progressEstimated",
  "prompt",
  "provider",
  "queuePosition",
  "seconds",
  "size",
  "sound",
  "status",
].sort();

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#3366aa" } })
    .png()
    .toBuffer();

describe("POST /api/videos", () => {
  it("answers 202 with the job in the documented shape", async () => {
    const { status, body } = await api("/api/videos", { credential: newKey(), json: valid });
    expect(status).toBe(202);
    expect(Object.keys(body).sort()).toEqual(JOB_FIELDS);
    expect(body).toMatchObject({
      status: "queued",
      progress: 0,
      prompt: valid.prompt,
      model: "sora-2",
      seconds: 4,
      size: "1280x720",
      provider: "openai",
      parentId: null,
      completedAt: null,
      error: null,
      framesError: null,
      awaitingKey: null,
      progressEstimated: false,
      queuePosition: null,
      // sora-2 always makes sound; at $0.10 a second of 720p.
      sound: true,
      cost: { estimatedUsd: 0.4, actualUsd: null, credits: null },
      media: { video: null, thumbnail: null, spritesheet: null, firstFrame: null, lastFrame: null },
    });
    expect(body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  });

  it("takes a multipart request and cover-fits a reference image of another size", async () => {
    const credential = newKey();
    const form = new FormData();
    for (const [name, value] of Object.entries(valid)) form.set(name, String(value));
    form.set("input_reference", new Blob([await png(640, 640)], { type: "image/png" }), "ref.png");
    const { status, body } = await api("/api/videos", { credential, form });
    expect(status).toBe(202);
    expect(body.seconds).toBe(4);
    const stored = await s3Client().send(
      new ListObjectsV2Command({
        Bucket: "media",
        Prefix: `references/${ownerIdFor(credential)}/`,
      }),
    );
    expect(stored.KeyCount).toBe(1);
    const object = await s3Client().send(
      new GetObjectCommand({ Bucket: "media", Key: stored.Contents![0]!.Key! }),
    );
    const fitted = await sharp(await object.Body!.transformToByteArray()).metadata();
    expect(`${fitted.width}x${fitted.height}`).toBe(valid.size);
  });

  it("accepts the demo access code as well as a brought key", async () => {
    const { status } = await api("/api/videos", {
      credential: inject("stack").demoAccessCode,
      json: valid,
    });
    expect(status).toBe(202);
  });
});

describe("bad input answers 4xx JSON and writes nothing", () => {
  const credential = newKey();
  const cases: Array<[string, Parameters<typeof api>[1], number, string]> = [
    ["no credential", { json: valid }, 401, "unauthorized"],
    ["an unknown credential", { credential: "not-a-code", json: valid }, 401, "unauthorized"],
    ["an empty prompt", { credential, json: { ...valid, prompt: "  " } }, 400, "invalid_request"],
    [
      "an over-long prompt",
      { credential, json: { ...valid, prompt: "x".repeat(4001) } },
      400,
      "invalid_request",
    ],
    ["an unknown model", { credential, json: { ...valid, model: "sora-9" } }, 400, "unknown_model"],
    ["an unknown size", { credential, json: { ...valid, size: "640x480" } }, 400, "unknown_size"],
    ["unknown seconds", { credential, json: { ...valid, seconds: 5 } }, 400, "unknown_seconds"],
    [
      "seconds of the wrong type",
      { credential, json: { ...valid, seconds: [4] } },
      400,
      "invalid_request",
    ],
    [
      "an unknown provider",
      { credential, json: { ...valid, provider: "nope" } },
      400,
      "unknown_provider",
    ],
    [
      "malformed JSON",
      { credential, body: "{nope", headers: { "content-type": "application/json" } },
      400,
      "malformed_json",
    ],
    [
      "the wrong content type",
      { credential, body: "prompt=hi", headers: { "content-type": "text/plain" } },
      415,
      "unsupported_media_type",
    ],
  ];

  it.each(cases)("%s", async (_, options, status, code) => {
    await quiet();
    const before = await footprint();
    const reply = await api("/api/videos", { method: "POST", ...options });
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.message).toEqual(expect.any(String));
    expect(await footprint()).toEqual(before);
  });

  it("a non-image or oversized reference", async () => {
    const form = new FormData();
    for (const [name, value] of Object.entries(valid)) form.set(name, String(value));
    form.set("input_reference", new Blob(["not an image"], { type: "image/png" }), "x.png");
    await quiet();
    const before = await footprint();
    const notImage = await api("/api/videos", { credential, form });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.code).toBe("invalid_image");
    form.set("input_reference", new Blob([new Uint8Array(4 * 1024 * 1024 + 1)]), "big.png");
    const tooBig = await api("/api/videos", { credential, form });
    expect(tooBig.status).toBe(413);
    expect(await footprint()).toEqual(before);
  });

  it("a malformed multipart body", async () => {
    await quiet();
    const before = await footprint();
    const reply = await api("/api/videos", {
      credential,
      body: '--x\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi',
      headers: { "content-type": "multipart/form-data; boundary=x" },
    });
    expect(reply.status).toBe(400);
    expect(await footprint()).toEqual(before);
  });

  it("a malformed id", async () => {
    for (const path of [
      "/api/videos/..%2F..%2Fetc",
      "/api/videos/not-an-id",
      "/api/videos/01ARZ3NDEKTSV4RRFFQ69G5FA%27",
    ]) {
      const reply = await api(path, { credential });
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.status, path).toBeLessThan(500);
    }
  });
});

describe("owner scoping", () => {
  it("another owner's job is a 404 everywhere and their list is empty", async () => {
    const owner = newKey();
    const stranger = newKey();
    const { body: job } = await api("/api/videos", { credential: owner, json: valid });
    expect((await api(`/api/videos/${job.id}`, { credential: owner })).status).toBe(200);
    expect((await api(`/api/videos/${job.id}`, { credential: stranger })).status).toBe(404);
    expect(
      (await api(`/api/videos/${job.id}`, { credential: stranger, method: "DELETE" })).status,
    ).toBe(404);
    expect(
      (
        await api(`/api/videos/${job.id}/remix`, {
          credential: stranger,
          json: { prompt: "mine now" },
        })
      ).status,
    ).toBe(404);
    expect((await api(`/api/videos/${job.id}/frames/last`, { credential: stranger })).status).toBe(
      404,
    );
    const list = await api("/api/videos", { credential: stranger });
    expect(list.body).toEqual({ jobs: [], nextCursor: null });
  });
});

describe("GET /api/videos", () => {
  it("lists newest first with a cursor and a status filter", async () => {
    const credential = newKey();
    const ids: string[] = [];
    for (const prompt of ["one", "two", "three"]) {
      ids.push((await api("/api/videos", { credential, json: { ...valid, prompt } })).body.id);
    }
    const first = await api("/api/videos?limit=2", { credential });
    expect(first.status).toBe(200);
    expect(first.body.jobs.map((job: { id: string }) => job.id)).toEqual([ids[2], ids[1]]);
    const second = await api(`/api/videos?limit=2&cursor=${first.body.nextCursor}`, { credential });
    expect(second.body.jobs.map((job: { id: string }) => job.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    const failed = await api("/api/videos?status=failed", { credential });
    expect(failed.body.jobs).toEqual([]);
    expect((await api("/api/videos?status=bogus", { credential })).status).toBe(400);
    expect((await api("/api/videos?cursor=bogus", { credential })).status).toBe(400);
  });
});

describe("a job's life through the API", () => {
  it("completes, plays, remixes, serves its frames and deletes with its media", async () => {
    const credential = newKey();
    const { body: created } = await api("/api/videos", { credential, json: valid });
    const done = await waitFor(
      async () => {
        const { body } = await api(`/api/videos/${created.id}`, { credential });
        return body.status === "completed" && body.media.lastFrame ? body : undefined;
      },
      // Generous: the emulator's two render slots are shared with every file running alongside.
      { timeoutMs: 180_000, what: "the job to complete with its frames" },
    );
    expect(done.progress).toBe(100);
    expect(done.completedAt).not.toBeNull();
    const video = await fetch(done.media.video.url);
    expect(video.status).toBe(200);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    expect((await video.arrayBuffer()).byteLength).toBe(done.media.video.bytes);

    // The listing links only what a library card shows; the video and frames come without a URL.
    const [listed] = (await api("/api/videos", { credential })).body.jobs;
    expect(listed.id).toBe(created.id);
    expect(listed.media).toEqual({
      video: { contentType: "video/mp4", bytes: done.media.video.bytes },
      thumbnail: done.media.thumbnail && { ...done.media.thumbnail, url: expect.any(String) },
      spritesheet: done.media.spritesheet && { ...done.media.spritesheet, url: expect.any(String) },
      firstFrame: { contentType: "image/png", bytes: done.media.firstFrame.bytes },
      lastFrame: { contentType: "image/png", bytes: done.media.lastFrame.bytes },
    });

    const frame = await api(`/api/videos/${created.id}/frames/last`, { credential });
    expect(frame.status).toBe(302);
    const last = Buffer.from(await (await fetch(frame.headers.get("location")!)).arrayBuffer());
    const { width, height } = await sharp(last).metadata();
    expect(`${width}x${height}`).toBe(valid.size);

    const remix = await api(`/api/videos/${created.id}/remix`, {
      credential,
      json: { prompt: "now at night" },
    });
    expect(remix.status).toBe(202);
    expect(remix.body.parentId).toBe(created.id);
    expect(remix.body.prompt).toBe("now at night");

    expect((await api(`/api/videos/${created.id}`, { credential, method: "DELETE" })).status).toBe(
      204,
    );
    expect((await api(`/api/videos/${created.id}`, { credential })).status).toBe(404);
    const left = await s3Client().send(
      new ListObjectsV2Command({ Bucket: "media", Prefix: "videos/" }),
    );
    expect((left.Contents ?? []).filter((object) => object.Key?.includes(created.id))).toEqual([]);
  }, 240_000);

  it("answers 409 for the frames and remix of a job still running", async () => {
    const credential = newKey();
    const { body } = await api("/api/videos", { credential, json: valid });
    expect((await api(`/api/videos/${body.id}/frames/first`, { credential })).status).toBe(409);
    expect(
      (await api(`/api/videos/${body.id}/remix`, { credential, json: { prompt: "x" } })).status,
    ).toBe(409);
  });
});
