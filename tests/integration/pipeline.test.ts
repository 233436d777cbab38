// The asynchronous half of the pipeline on the full local stack: polling, the copy into S3, frame
// extraction, provider trouble (rate limits, outages, failures, expired links), duplicate polls,
// the sweeper and the webhook fast path.
import { createHmac, randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import OpenAI from "openai";
import sharp from "sharp";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { s3Client, sqsClient } from "#core/aws";
import type { Job } from "#core/jobs/model";
import type { PublicJob } from "#core/videos/view";
import { jobFolder } from "#core/media/layout";
import { createJob, getJob } from "#core/jobs/repository";
import { enqueuePoll } from "#core/pipeline/queue";
import { OVERDUE_GRACE_MS } from "#core/pipeline/sweep";
import { api, newKey, useStackEnvironment } from "../support/api";
import { runtimeLog } from "../support/runtime-log";
import { waitFor } from "../support/wait";

beforeAll(useStackEnvironment);

const stack = () => inject("stack");
const resource = (name: string) =>
  (JSON.parse(stack().env.SST_RESOURCES_JSON!) as Record<string, Record<string, string>>)[name]!;

const HOUR = 3_600_000;
const JOB_TIMEOUT_MS = 90_000;

// --- The provider emulator ---------------------------------------------------------------------

// The operator's key: jobs without a sealed key of their own poll with it, as access-code jobs do.
const emulator = () =>
  new OpenAI({
    apiKey: resource("ProviderKey").value,
    baseURL: `${stack().providerUrl}/v1`,
    maxRetries: 0,
  });

async function emulatorControl(path: string, body?: unknown) {
  const response = await fetch(`${stack().providerUrl}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
}

/** A video the emulator has finished, created behind Takes' back (no Takes job knows it yet). */
async function finishedProviderVideo(): Promise<string> {
  const client = emulator();
  const video = await client.videos.create({ model: "sora-2", prompt: "a kite", seconds: "4" });
  await waitFor(async () => (await client.videos.retrieve(video.id)).status === "completed", {
    timeoutMs: 30_000,
    what: "the emulator to finish the video",
  });
  return video.id;
}

/** A Takes job for an existing provider video, with no poll scheduled for an hour. */
const jobFor = (providerJobId: string, nextPollAt = Date.now() + HOUR) =>
  createJob({
    owner: `owner_${randomBytes(6).toString("hex")}`,
    provider: "openai",
    providerJobId,
    model: "sora-2",
    prompt: "a kite",
    seconds: 4,
    size: "1280x720",
    nextPollAt,
  });

const ended = (job: Job | undefined) =>
  job && ["completed", "failed", "expired"].includes(job.status) ? job : undefined;

const untilEnded = (id: string) =>
  waitFor(async () => ended(await getJob(id)), {
    timeoutMs: JOB_TIMEOUT_MS,
    what: `job ${id} to end`,
  });

/** A job created through the API, as a person would. */
async function createThroughApi(json: Record<string, unknown> = {}) {
  const credential = newKey();
  const { status, body } = await api("/api/videos", {
    credential,
    json: { prompt: "a heron takes off", model: "sora-2", seconds: 4, size: "1280x720", ...json },
  });
  expect(status).toBe(202);
  return { credential, id: body.id as string };
}

// --- Media checks --------------------------------------------------------------------------------

const ffprobePath = join(
  import.meta.dirname,
  "../../node_modules/@ffprobe-installer/linux-x64/ffprobe",
);

async function probeVideo(url: string) {
  const { stdout } = await promisify(execFile)(ffprobePath, [
    "-v",
    "error",
    "-show_entries",
    "format=duration:stream=codec_type,codec_name,width,height",
    "-of",
    "json",
    url,
  ]);
  const probed = JSON.parse(stdout) as {
    format: { duration: string };
    streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
  };
  const video = probed.streams.find((stream) => stream.codec_type === "video")!;
  return {
    seconds: Number(probed.format.duration),
    codec: video.codec_name,
    size: `${video.width}x${video.height}`,
  };
}

async function imageAt(url: string) {
  const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
  const { width, height, format } = await sharp(bytes).metadata();
  return { format, size: `${width}x${height}` };
}

async function objectsOf(job: Pick<Job, "id" | "owner">) {
  const listed = await s3Client().send(
    new ListObjectsV2Command({ Bucket: resource("Media").name, Prefix: jobFolder(job) }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!.slice(jobFolder(job).length)).sort();
}

/** The poller's log lines for a job: one `{message: "polled", jobId, outcome}` per poll. */
async function pollOutcomes(jobId: string): Promise<string[]> {
  const polls = await runtimeLog((entry) => entry.message === "polled" && entry.jobId === jobId);
  return polls.map((entry) => String(entry.outcome));
}

/** A poll message for the job, as SQS moves one that kept failing into the dead-letter queue. */
const deadLetter = (jobId: string) =>
  sqsClient().send(
    new SendMessageCommand({
      QueueUrl: resource("PollDeadLetters").url,
      MessageBody: JSON.stringify({ jobId }),
    }),
  );

// --- Webhooks ------------------------------------------------------------------------------------

function signedWebhook(body: string, secret = resource("WebhookSecret").value!) {
  const id = `msg_${randomBytes(8).toString("hex")}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature}`,
  };
}

const completedEvent = (videoId: string) =>
  JSON.stringify({
    id: `evt_${randomBytes(4).toString("hex")}`,
    type: "video.completed",
    data: { id: videoId },
  });

// -------------------------------------------------------------------------------------------------

describe("a job's way from the provider into S3", () => {
  it("completes with the video, thumbnail, sprite sheet and frames, each true to the video", async () => {
    const sizes = [
      { size: "1280x720", seconds: 4 },
      { size: "720x1280", seconds: 8 },
    ];
    const jobs = await Promise.all(sizes.map((request) => createThroughApi(request)));
    await Promise.all(
      jobs.map(async ({ credential, id }, index) => {
        const { size, seconds } = sizes[index]!;
        const done = await waitFor(
          async () => {
            const { body } = await api(`/api/videos/${id}`, { credential });
            return body.status === "completed" && body.media.lastFrame ? body : undefined;
          },
          { timeoutMs: JOB_TIMEOUT_MS, what: `the ${size} job to complete with its frames` },
        );
        expect(done).toMatchObject({ progress: 100, error: null });

        const video = await probeVideo(done.media.video.url);
        expect(video.codec).toBe("h264");
        expect(video.size).toBe(size);
        expect(video.seconds).toBeCloseTo(seconds, 0);

        expect(await imageAt(done.media.firstFrame.url)).toEqual({ format: "png", size });
        expect(await imageAt(done.media.lastFrame.url)).toEqual({ format: "png", size });
        expect((await imageAt(done.media.thumbnail.url)).format).toBe("webp");
        expect((await imageAt(done.media.spritesheet.url)).format).toBe("webp");

        // What the job records is what the bucket holds, and nothing more.
        const job = (await getJob(id))!;
        expect(await objectsOf(job)).toEqual(
          ["first.png", "last.png", "spritesheet.webp", "thumbnail.webp", "video.mp4"].sort(),
        );
        const stored = await fetch(done.media.video.url);
        expect(Number(stored.headers.get("content-length"))).toBe(job.media.video?.bytes);
        expect(job).not.toHaveProperty("sealedCredential");
        expect(job).not.toHaveProperty("nextPollAt");
      }),
    );
  });
});

/** A poll that met the trouble and scheduled a retry: of the poll itself, or of the copy. */
const RETRIED = /^retrying(-poll)?$/;

describe("provider trouble", () => {
  it("survives a storm of 429s: the job backs off and still completes", async () => {
    const { id } = await createThroughApi();
    await emulatorControl("faults", { rateLimit: { count: 8, retryAfterSeconds: 1 } });
    const job = await untilEnded(id);
    expect(job).toMatchObject({ status: "completed", error: null });
    expect(job.media.video?.bytes).toBeGreaterThan(0);
    expect(await pollOutcomes(id)).toEqual(
      expect.arrayContaining([expect.stringMatching(RETRIED)]),
    );
  });

  it("survives a run of 500s: the job backs off and still completes", async () => {
    const { id } = await createThroughApi();
    await emulatorControl("faults", { serverErrors: { count: 8 } });
    const job = await untilEnded(id);
    expect(job).toMatchObject({ status: "completed", error: null });
    expect(await pollOutcomes(id)).toEqual(
      expect.arrayContaining([expect.stringMatching(RETRIED)]),
    );
  });

  it("a job the provider fails ends failed, with the provider's own error", async () => {
    const error = { code: "moderation_blocked", message: "The prompt was blocked by moderation." };
    await emulatorControl("faults", { failNextJobs: { count: 1, ...error } });
    const { id, credential } = await createThroughApi();
    const job = await untilEnded(id);
    expect(job).toMatchObject({ status: "failed", error });
    expect((await api(`/api/videos/${id}`, { credential })).body).toMatchObject({
      status: "failed",
      error,
    });
    expect(await objectsOf(job)).toEqual([]);
  });

  it("a provider's failure reason that quotes a key is stored and shown without it", async () => {
    const key = `sk-${randomBytes(24).toString("hex")}`;
    const message = `Refused for the key ${key}.`;
    await emulatorControl("faults", {
      failNextJobs: { count: 1, code: "invalid_request", message },
    });
    const { id, credential } = await createThroughApi();
    expect((await untilEnded(id)).error).toEqual({
      code: "invalid_request",
      message: "Refused for the key [redacted].",
    });
    const { body } = await api(`/api/videos/${id}`, { credential });
    expect(JSON.stringify(body)).not.toContain(key);
  });

  it("a job whose provider link expired before the copy ends expired, with nothing stored", async () => {
    const videoId = await finishedProviderVideo();
    await emulatorControl(`expire/${videoId}`);
    const job = await jobFor(videoId);
    await enqueuePoll(job.id, 0);
    const done = await untilEnded(job.id);
    expect(done).toMatchObject({ status: "expired", error: { code: "content_expired" } });
    expect(await objectsOf(job)).toEqual([]);
  });
});

describe("damaged media", () => {
  /** The frames worker's scratch folders in this machine's temporary folder. */
  const framesScratch = async () =>
    (await readdir(tmpdir())).filter((name) => name.startsWith("takes-frames-"));

  it("a video ffmpeg cannot read stays playable, its frames marked unavailable with a reason, nothing left in /tmp", async () => {
    const scratchBefore = await framesScratch();
    await emulatorControl("faults", { damageNextJobs: { count: 1, damage: "corrupt-video" } });
    const { id, credential } = await createThroughApi();
    expect((await untilEnded(id)).status).toBe("completed");
    const reason = await waitFor(async () => (await getJob(id))?.framesError, {
      timeoutMs: 60_000,
      what: "the frames worker to give up on the video",
    });
    expect(reason).toEqual({
      code: "frames_unavailable",
      message: expect.stringMatching(/damaged/),
    });
    const { body } = await api(`/api/videos/${id}`, { credential });
    expect(body).toMatchObject({
      framesError: reason,
      media: { video: expect.anything(), firstFrame: null, lastFrame: null },
    });
    const frame = await api(`/api/videos/${id}/frames/last`, { credential });
    expect(frame.status).toBe(409);
    expect(frame.body).toEqual({ error: reason });
    await waitFor(
      async () => (await framesScratch()).every((name) => scratchBefore.includes(name)),
      { timeoutMs: 10_000, what: "the frames worker to clear its scratch folder" },
    );
  });

  it("a provider's SVG thumbnail is never stored: every object is typed from its bytes", async () => {
    await emulatorControl("faults", { damageNextJobs: { count: 1, damage: "svg-images" } });
    const { id, credential } = await createThroughApi();
    expect((await untilEnded(id)).status).toBe("completed");
    const job = await waitFor(
      async () => {
        const current = await getJob(id);
        return current?.media.thumbnail && current.media.lastFrame ? current : undefined;
      },
      { timeoutMs: 60_000, what: "the frames worker's thumbnail and frames" },
    );
    const stored = await Promise.all(
      (await objectsOf(job)).map(async (file) => {
        const key = `${jobFolder(job)}${file}`;
        const head = await s3Client().send(
          new HeadObjectCommand({ Bucket: resource("Media").name, Key: key }),
        );
        return [file, head.ContentType];
      }),
    );
    // The provider's SVGs were refused; the frames worker made the thumbnail and sprite sheet.
    expect(Object.fromEntries(stored)).toEqual({
      "video.mp4": "video/mp4",
      "thumbnail.webp": "image/webp",
      "spritesheet.webp": "image/webp",
      "first.png": "image/png",
      "last.png": "image/png",
    });
    const { body } = await api<PublicJob>(`/api/videos/${id}`, { credential });
    expect((await imageAt(body.media.thumbnail!.url)).format).toBe("webp");
  });
});

describe("exactly one copy", () => {
  it("the same poll delivered twice at once, and once more later, copies the video once", async () => {
    const job = await jobFor(await finishedProviderVideo());
    const body = JSON.stringify({ jobId: job.id });
    // One batch: fauxqs hands both to the same invocation, which polls them concurrently.
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: resource("PollQueue").url,
        Entries: [
          { Id: "first", MessageBody: body },
          { Id: "duplicate", MessageBody: body },
        ],
      }),
    );
    await waitFor(async () => (await getJob(job.id))?.media.lastFrame, {
      timeoutMs: JOB_TIMEOUT_MS,
      what: "the copy and its frames",
    });
    await enqueuePoll(job.id, 0);
    await waitFor(async () => (await pollOutcomes(job.id)).length === 3, {
      timeoutMs: 30_000,
      what: "all three polls",
    });
    const outcomes = await pollOutcomes(job.id);
    expect(outcomes.filter((outcome) => outcome === "copied")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== "copied")).toEqual(
      expect.arrayContaining(["ended"]),
    );
    expect((await getJob(job.id))?.status).toBe("completed");
    expect(await objectsOf(job)).toHaveLength(5);
  });
});

describe("healing and the fast path", () => {
  it("the sweeper finds a job whose poll message was lost, and it completes", async () => {
    const job = await jobFor(await finishedProviderVideo(), Date.now() - OVERDUE_GRACE_MS - 1_000);
    // No message is ever sent for this job: only the sweeper can bring it back.
    const done = await untilEnded(job.id);
    expect(done.status).toBe("completed");
  });

  it("a dead-lettered poll of a healthy job re-checks it with the provider, and the job completes", async () => {
    const job = await jobFor(await finishedProviderVideo());
    await deadLetter(job.id);
    const done = await untilEnded(job.id);
    expect(done).toMatchObject({ status: "completed", error: null });
    expect(await objectsOf(job)).toContain("video.mp4");
  });

  it("a dead-lettered poll of a job the provider failed ends it failed, with the provider's reason", async () => {
    const error = { code: "moderation_blocked", message: "The prompt was blocked by moderation." };
    await emulatorControl("faults", { failNextJobs: { count: 1, ...error } });
    const client = emulator();
    const video = await client.videos.create({ model: "sora-2", prompt: "a kite", seconds: "4" });
    await waitFor(async () => (await client.videos.retrieve(video.id)).status === "failed", {
      timeoutMs: 30_000,
      what: "the emulator to fail the video",
    });
    const job = await jobFor(video.id);
    await deadLetter(job.id);
    expect(await untilEnded(job.id)).toMatchObject({ status: "failed", error });
  });

  it("a bad webhook is refused and polls nothing; a good one polls the job at once", async () => {
    const [ignoredVideo, polledVideo] = await Promise.all([
      finishedProviderVideo(),
      finishedProviderVideo(),
    ]);
    // Neither job has a poll due for an hour: only a webhook can move them now.
    const [ignored, polled] = await Promise.all([jobFor(ignoredVideo), jobFor(polledVideo)]);

    const forged = completedEvent(ignoredVideo);
    const otherSecret = `whsec_${randomBytes(24).toString("base64")}`;
    for (const headers of [
      signedWebhook(forged, otherSecret),
      {
        ...signedWebhook(forged),
        "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 600),
      },
      { "content-type": "application/json" },
    ]) {
      const reply = await api("/api/webhooks/openai", { body: forged, headers });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ error: { code: "invalid_signature" } });
    }

    const genuine = completedEvent(polledVideo);
    const reply = await api("/api/webhooks/openai", {
      body: genuine,
      headers: signedWebhook(genuine),
    });
    expect(reply.status).toBe(202);
    expect((await untilEnded(polled.id)).status).toBe("completed");

    // The refused deliveries came first; had they enqueued a poll, it would have run by now.
    expect(await getJob(ignored.id)).toMatchObject({ status: "queued", pollCount: 0 });
    expect(await pollOutcomes(ignored.id)).toEqual([]);
  });
});
