// Runway, fal and OpenRouter end to end, through the HTTP API of the local stack and their
// emulators: a person brings their own key, picks a model, and the video lands in Takes' bucket
// with its frames; faults at the provider (429 storms, 5xx, a refused generation, links that lapse)
// never lose a job. Each provider's emulator is driven by Takes' adapter on the official SDK.
// Amazon Bedrock, which runs on the operator's account only, is driven with an access code.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { findAccessCode, issueAccessCode } from "#core/access-codes";
import { s3Client } from "#core/aws";
import { ownerIdFor } from "#core/identity";
import { getJob } from "#core/jobs/repository";
import { incomingFolder, jobFolder } from "#core/media/layout";
import { getProvider } from "#core/providers/index";
import { probe } from "#local/ffprobe";
import { api, useStackEnvironment } from "../support/api";
import { runtimeLog } from "../support/runtime-log";
import { waitFor } from "../support/wait";

beforeAll(useStackEnvironment);

const JOB_TIMEOUT_MS = 90_000;
let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "takes-providers-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

async function emulatorControl(path: string, body?: unknown) {
  const response = await fetch(`${inject("stack").providerUrl}/_emulator/${path}`, {
    method: body === undefined ? "DELETE" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
}

interface ProviderCase {
  name: string;
  /** A fresh brought key of this provider's format: a new owner with an empty library. */
  newKey(): string;
  /** A model, a length and a size it makes, and what the first frame may be for it. */
  clip: { model: string; seconds: number; size: string };
  /** A length that keeps a job running long enough to delete it mid-way. */
  longSeconds: number;
  /** Whether deleting a running job cancels it at the provider. */
  cancels: boolean;
  /** A generation the provider refuses (the emulator's fault code), and how Takes words it. */
  refusal: { faultCode: string; code: string; says: RegExp };
  reportsProgress: boolean;
  /** Whether it posts a signed webhook per job when done. */
  webhooks: boolean;
}

const CASES: ProviderCase[] = [
  {
    name: "runway",
    newKey: () => `key_${randomBytes(16).toString("hex")}`,
    clip: { model: "gen4.5", seconds: 4, size: "1280x720" },
    longSeconds: 10,
    cancels: true,
    refusal: {
      faultCode: "SAFETY.INPUT.TEXT",
      code: "content_rejected",
      says: /SAFETY\.INPUT\.TEXT/,
    },
    reportsProgress: true,
    webhooks: false,
  },
  {
    name: "fal",
    newKey: () => `${randomUUID()}:${randomBytes(16).toString("hex")}`,
    clip: { model: "veo3.1", seconds: 4, size: "1280x720" },
    longSeconds: 8,
    cancels: true,
    refusal: {
      faultCode: "content_policy_violation",
      code: "content_rejected",
      says: /content_policy_violation/,
    },
    reportsProgress: false,
    webhooks: true,
  },
  {
    name: "openrouter",
    newKey: () => `sk-or-v1-${randomBytes(32).toString("hex")}`,
    clip: { model: "google/veo-3.1-fast", seconds: 4, size: "1280x720" },
    longSeconds: 8,
    // OpenRouter has no cancel: the generation runs out at the provider.
    cancels: false,
    // It reports a refused generation as failed, with the upstream's reason as its words.
    refusal: {
      faultCode: "content_filtered",
      code: "generation_failed",
      says: /Flagged by moderation/,
    },
    reportsProgress: false,
    webhooks: true,
  },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API replies, checked field by field
type PublicJob = any;

const isEnded = (job: PublicJob) => ["completed", "failed", "expired"].includes(job.status);

/** Polls the API until the job ends (and, when completed, its frames are extracted). */
async function untilEnded(key: string, id: string) {
  const seen: PublicJob[] = [];
  const job = await waitFor(
    async () => {
      const { body } = await api(`/api/videos/${id}`, { credential: key });
      seen.push(body);
      const framed = body.media.firstFrame && body.media.lastFrame;
      return isEnded(body) && (body.status !== "completed" || framed) ? body : undefined;
    },
    { timeoutMs: JOB_TIMEOUT_MS, intervalMs: 250, what: `job ${id} to end` },
  );
  return { job, seen };
}

async function create(key: string, json: Record<string, unknown>) {
  const reply = await api("/api/videos", { credential: key, json });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return reply.body.id as string;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3Client().send(
    new ListObjectsV2Command({ Bucket: "media", Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!);
}

async function storedVideo(url: string) {
  const file = join(workDir, `${randomUUID()}.mp4`);
  await writeFile(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
  return probe(file);
}

describe.each(CASES)("$name, end to end", (provider) => {
  const prompt = `a red kite over the dunes (${provider.name})`;

  it("lists only the provider the key belongs to, with its models' capabilities and prices", async () => {
    const { status, body } = await api("/api/providers", { credential: provider.newKey() });
    expect(status).toBe(200);
    expect(body.providers.map((entry: { name: string }) => entry.name)).toEqual([provider.name]);
    const model = body.providers[0].models.find(
      (entry: { id: string }) => entry.id === provider.clip.model,
    );
    expect(model.seconds).toContain(provider.clip.seconds);
    expect(model.sizes).toContain(provider.clip.size);
    expect(model.price.perSecond.length).toBeGreaterThan(0);
    expect(model.price.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("refuses what the model cannot do, naming what it accepts, and writes nothing", async () => {
    const key = provider.newKey();
    const { status, body } = await api("/api/videos", {
      credential: key,
      json: { prompt, ...provider.clip, seconds: 99 },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe("unknown_seconds");
    expect(body.error.message).toContain(String(provider.clip.seconds));
    expect((await api("/api/videos", { credential: key })).body.jobs).toEqual([]);
  });

  it("makes a video: progress, then an MP4 of the declared size and length, with both frames", async () => {
    const key = provider.newKey();
    const id = await create(key, { prompt, ...provider.clip });
    const { job, seen } = await untilEnded(key, id);
    expect(job.status).toBe("completed");
    expect(job.provider).toBe(provider.name);
    const running = seen.filter((entry) => entry.status === "in_progress");
    expect(running.every((entry) => entry.progressEstimated === !provider.reportsProgress)).toBe(
      true,
    );
    const video = await storedVideo(job.media.video.url);
    expect(`${video.width}x${video.height}`).toBe(provider.clip.size);
    expect(video.durationSeconds).toBeCloseTo(provider.clip.seconds, 0);
    expect(job.media.firstFrame.contentType).toBe("image/png");
    expect(job.media.lastFrame.contentType).toBe("image/png");
    expect(job.cost.estimatedUsd).toBeGreaterThan(0);
    if (provider.webhooks) {
      // The provider's signed webhook reached Takes and polled the job at once.
      expect(await runtimeLog((entry) => entry.message === "webhook")).toContainEqual(
        expect.objectContaining({ provider: provider.name, polledJobId: id }),
      );
    }
  });

  it("starts from an uploaded reference image", async () => {
    const key = provider.newKey();
    const [width = 0, height = 0] = provider.clip.size.split("x").map(Number);
    const png = await sharp({
      create: { width: width / 2, height: height / 2, channels: 3, background: "#d35400" },
    })
      .png()
      .toBuffer();
    const form = new FormData();
    for (const [name, value] of Object.entries({ prompt, ...provider.clip })) {
      form.set(name, String(value));
    }
    form.set("input_reference", new Blob([new Uint8Array(png)], { type: "image/png" }), "ref.png");
    const reply = await api("/api/videos", { credential: key, form });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const { job } = await untilEnded(key, reply.body.id);
    expect(job.status).toBe("completed");
    const first = await sharp(
      Buffer.from(await (await fetch(job.media.firstFrame.url)).arrayBuffer()),
    ).stats();
    // The clip opens on the reference: an orange first frame (the prompt is drawn at the bottom).
    expect(first.channels[0]!.mean).toBeGreaterThan(first.channels[2]!.mean + 60);
  });

  it(`deletes a running job${provider.cancels ? ", cancelling it at the provider" : ""}`, async () => {
    const key = provider.newKey();
    const id = await create(key, { prompt, ...provider.clip, seconds: provider.longSeconds });
    const { providerJobId } = (await getJob(id))!;
    const deleted = await api(`/api/videos/${id}`, { method: "DELETE", credential: key });
    expect(deleted.status).toBe(204);
    expect((await api(`/api/videos/${id}`, { credential: key })).status).toBe(404);
    // The provider's own view of the job: cancelled, not generating (and billing) on — or, where
    // it cannot cancel, finished with no one to store it for.
    const adapter = getProvider(provider.name);
    const job = { providerJobId, model: provider.clip.model };
    const ended = await waitFor(
      async () => {
        const status = await adapter.getStatus(key, job);
        return status.status !== "queued" && status.status !== "in_progress" && status;
      },
      { timeoutMs: 30_000, what: "the provider's job to end" },
    );
    if (provider.cancels) {
      expect(ended.error?.code).toBe("cancelled");
    } else {
      expect(ended.status).toBe("completed");
      // Its completion (and the provider's webhook for it) brings nothing back, stores nothing.
      expect(await keysUnder(jobFolder({ owner: ownerIdFor(key), id }))).toEqual([]);
      expect(await getJob(id)).toBeUndefined();
    }
  });

  it("waits out a 429 storm and 5xx at the provider, and still finishes", async () => {
    const key = provider.newKey();
    const id = await create(key, { prompt, ...provider.clip });
    await emulatorControl(`${provider.name}/faults`, {
      rateLimit: { count: 4, retryAfterSeconds: 1 },
      serverErrors: { count: 2 },
    });
    try {
      const { job } = await untilEnded(key, id);
      expect(job.status).toBe("completed");
    } finally {
      await emulatorControl(`${provider.name}/faults`);
    }
  });

  it("answers a rate-limited create with 429 and retry-after, and bills nothing twice", async () => {
    const key = provider.newKey();
    await emulatorControl(`${provider.name}/faults`, { rateLimit: { count: 1 } });
    const refused = await api("/api/videos", {
      credential: key,
      json: { prompt, ...provider.clip },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("provider_rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await api("/api/videos", { credential: key })).body.jobs).toEqual([]);
  });

  it("fails a job the provider refuses to generate, saying why, without retrying", async () => {
    const key = provider.newKey();
    await emulatorControl(`${provider.name}/faults`, {
      failNextJobs: {
        count: 1,
        code: provider.refusal.faultCode,
        message: "Flagged by moderation.",
      },
    });
    const id = await create(key, { prompt, ...provider.clip });
    const { job } = await untilEnded(key, id);
    expect(job.status).toBe("failed");
    expect(job.error.code).toBe(provider.refusal.code);
    expect(job.error.message).toMatch(provider.refusal.says);
    expect(job.media.video).toBeNull();
  });
});

describe("links that lapse before the copy", () => {
  it("runway: a lapsed output link is asked for again, and the job completes", async () => {
    const key = CASES[0]!.newKey();
    await emulatorControl("runway/faults", { lapseNextOutputs: { count: 1 } });
    const id = await create(key, { prompt: "a lantern in the rain", ...CASES[0]!.clip });
    const { job } = await untilEnded(key, id);
    expect(job.status).toBe("completed");
    // The first copy met the lapsed link and was retried: the poller says so in its log.
    const polls = await runtimeLog((entry) => entry.message === "polled" && entry.jobId === id);
    const outcomes = polls.map((entry) => entry.outcome);
    expect(outcomes).toContain("retrying");
    expect(outcomes.at(-1)).toBe("copied");
  });

  it("fal: a result past fal's retention ends the job expired, saying so", async () => {
    const key = CASES[1]!.newKey();
    const id = await create(key, { prompt: "a lantern in the rain", ...CASES[1]!.clip });
    const { providerJobId } = (await getJob(id))!;
    // Before it completes: its result lapses the moment it exists.
    await emulatorControl(`fal/expire/${providerJobId}`, {});
    const { job } = await untilEnded(key, id);
    expect(job.status).toBe("expired");
    expect(job.error.message).toMatch(/no longer keeps this result|before Takes could store it/);
  });
});

describe("bedrock (Luma Ray2), on the operator's AWS account, end to end", () => {
  const clip = { provider: "bedrock", model: "luma.ray-v2:0", seconds: 5, size: "960x540" };
  const prompt = "a paper lantern drifting over a night lake";

  /** A fresh access code: Bedrock takes no brought key, only the operator's account. */
  async function newCode(quotaSeconds = 60) {
    const code = `bedrock-${randomBytes(6).toString("hex")}`;
    await issueAccessCode(code, { label: `integration ${code}`, quotaSeconds });
    return code;
  }

  it("is offered to access codes, and to no brought key", async () => {
    const forCode = await api("/api/providers", { credential: await newCode() });
    const bedrock = forCode.body.providers.find(
      (entry: { name: string }) => entry.name === "bedrock",
    );
    expect(bedrock.models.map((model: { id: string }) => model.id)).toEqual([clip.model]);
    expect(bedrock.models[0].sizes).toContain(clip.size);
    for (const provider of CASES) {
      const forKey = await api("/api/providers", { credential: provider.newKey() });
      expect(forKey.body.providers.map((entry: { name: string }) => entry.name)).not.toContain(
        "bedrock",
      );
    }
    // Naming Bedrock does not make a key of anything: it is not a sign-in.
    const named = await api("/api/providers", { credential: "bedrock:us-west-2-anything" });
    expect(named.status).toBe(401);
  });

  it("makes a video Bedrock writes into Takes' bucket, adopted there with both frames", async () => {
    const code = await newCode();
    const id = await create(code, { prompt, ...clip });
    const { job } = await untilEnded(code, id);
    expect(job.status).toBe("completed");
    expect(job.provider).toBe("bedrock");
    const video = await storedVideo(job.media.video.url);
    expect(`${video.width}x${video.height}`).toBe(clip.size);
    expect(video.durationSeconds).toBeCloseTo(clip.seconds, 0);
    expect(job.media.lastFrame.contentType).toBe("image/png");
    expect(job.cost.estimatedUsd).toBeGreaterThan(0);
    // Moved, not copied: nothing is left where Bedrock wrote it.
    expect(await keysUnder(incomingFolder(id))).toEqual([]);
    expect((await findAccessCode(code))?.usedSeconds).toBe(clip.seconds);
  });

  it("starts from an uploaded reference image", async () => {
    const code = await newCode();
    const png = await sharp({
      create: { width: 480, height: 270, channels: 3, background: "#d35400" },
    })
      .png()
      .toBuffer();
    const form = new FormData();
    for (const [name, value] of Object.entries({ prompt, ...clip })) form.set(name, String(value));
    form.set("input_reference", new Blob([new Uint8Array(png)], { type: "image/png" }), "ref.png");
    const reply = await api("/api/videos", { credential: code, form });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const { job } = await untilEnded(code, reply.body.id);
    expect(job.status).toBe("completed");
    const first = await sharp(
      Buffer.from(await (await fetch(job.media.firstFrame.url)).arrayBuffer()),
    ).stats();
    expect(first.channels[0]!.mean).toBeGreaterThan(first.channels[2]!.mean + 60);
  });

  it("waits out throttling and 5xx while polling, and still finishes", async () => {
    const code = await newCode();
    const id = await create(code, { prompt, ...clip });
    // More than the SDK's own attempts absorb: the poller's backoff takes over.
    await emulatorControl("bedrock/faults", {
      rateLimit: { count: 6, retryAfterSeconds: 1 },
      serverErrors: { count: 4 },
    });
    try {
      const { job } = await untilEnded(code, id);
      expect(job.status).toBe("completed");
    } finally {
      await emulatorControl("bedrock/faults");
    }
  });

  it("answers a create throttled past the SDK's retries with 429, and bills nothing", async () => {
    const code = await newCode();
    await emulatorControl("bedrock/faults", { rateLimit: { count: 2 } });
    try {
      const refused = await api("/api/videos", { credential: code, json: { prompt, ...clip } });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe("provider_rate_limited");
      expect((await api("/api/videos", { credential: code })).body.jobs).toEqual([]);
      expect((await findAccessCode(code))?.usedSeconds).toBe(0);
    } finally {
      await emulatorControl("bedrock/faults");
    }
  });

  it("fails a job Bedrock could not generate, saying why, and gives the seconds back", async () => {
    const code = await newCode();
    await emulatorControl("bedrock/faults", {
      failNextJobs: { count: 1, code: "ValidationException", message: "The prompt was refused." },
    });
    const id = await create(code, { prompt, ...clip });
    const { job } = await untilEnded(code, id);
    expect(job.status).toBe("failed");
    expect(job.error.code).toBe("generation_failed");
    expect(job.error.message).toMatch(/The prompt was refused/);
    expect(job.media.video).toBeNull();
    await waitFor(async () => (await findAccessCode(code))?.usedSeconds === 0, {
      timeoutMs: 10_000,
      what: "the failed job's seconds to be given back",
    });
  });

  it("deletes a running job; what Bedrock writes afterwards never reaches the library", async () => {
    const code = await newCode();
    const id = await create(code, { prompt, ...clip });
    const { providerJobId } = (await getJob(id))!;
    const deleted = await api(`/api/videos/${id}`, { method: "DELETE", credential: code });
    expect(deleted.status).toBe(204);
    const status = await waitFor(
      async () => {
        const seen = await getProvider("bedrock").getStatus("us-west-2", {
          providerJobId,
          model: clip.model,
        });
        return seen.status === "completed" && seen;
      },
      { timeoutMs: 30_000, what: "Bedrock to finish the deleted job" },
    );
    expect(status.status).toBe("completed");
    expect(await keysUnder(jobFolder({ owner: ownerIdFor(code), id }))).toEqual([]);
    expect(await getJob(id)).toBeUndefined();
  });
});
