import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import RunwayML, {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  TaskFailedError,
} from "@runwayml/sdk";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { probe } from "#local/ffprobe";
import { createProviderEmulator, type ProviderEmulator } from "#local/providers/server";
import { waitFor } from "../support/wait";
import { firstFrameTop, solidPngDataUri } from "../support/images";

// The emulator's contract is Runway's: every endpoint is driven through the official SDK, so what
// passes here is what the Runway adapter can rely on.
type Task = RunwayML.TaskRetrieveResponse;

/** Clips this long take LONG_GENERATION_MS, so a test can watch, throttle and cancel them. */
const LONG_SECONDS = 10;
const LONG_GENERATION_MS = 10_000;
const GENERATION_MS = 1_500;
const STARTING_CREDITS = 10_000;
const DAY_SECONDS = 24 * 60 * 60;

let emulator: ProviderEmulator;
let workDir: string;

const newKey = () => `key_${randomBytes(16).toString("hex")}`;

const clientOf = (target: ProviderEmulator, apiKey = newKey(), maxRetries = 0) =>
  new RunwayML({ apiKey, baseURL: `${target.url}/runway`, maxRetries });

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "runway-contract-"));
  emulator = await createProviderEmulator({
    generationMs: (seconds) => (seconds >= LONG_SECONDS ? LONG_GENERATION_MS : GENERATION_MS),
  });
});

afterAll(async () => {
  await emulator?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Polls through the SDK until `done` holds; returns every state seen. */
async function watch(client: RunwayML, id: string, done: (task: Task) => boolean) {
  const seen: Task[] = [];
  await waitFor(
    async () => {
      const task = await client.tasks.retrieve(id);
      seen.push(task);
      return done(task);
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `task ${id}` },
  );
  return seen;
}

const finished = (task: Task) => ["SUCCEEDED", "FAILED", "CANCELLED"].includes(task.status);
const lastOf = (seen: Task[]) => seen[seen.length - 1]!;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
}

/** Downloads an output URL (no key: it is a CDN link) into the work folder; returns the file. */
async function download(url: string, name: string) {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  expect(response.headers.get("content-type")).toBe("video/mp4");
  const file = join(workDir, name);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

const outputUrl = (task: Task) => {
  expect(task.status).toBe("SUCCEEDED");
  return (task as RunwayML.TaskRetrieveResponse.Succeeded).output[0]!;
};

describe("Runway emulator, through @runwayml/sdk", () => {
  let client: RunwayML;
  let textTask: RunwayML.TaskRetrieveResponse.Succeeded;
  let imageTask: RunwayML.TaskRetrieveResponse.Succeeded;

  beforeAll(() => {
    client = clientOf(emulator);
  });

  it("generates text and image to video as the SDK's README does, waiting with waitForTaskOutput", async () => {
    const red = await solidPngDataUri("640x480", "#d01010");
    const blue = await solidPngDataUri("1280x720", "#1010d0");
    const green = await solidPngDataUri("1280x720", "#10d010");
    const text = client.textToVideo.create({
      model: "gen4.5",
      promptText: "a red kite over the dunes at dusk",
      ratio: "1280:720",
      duration: 2,
    });
    const image = client.imageToVideo.create({
      model: "gen4.5",
      promptImage: red,
      promptText: "the red wall comes alive",
      ratio: "720:1280",
      duration: 3,
    });
    const frames = client.imageToVideo.create({
      model: "veo3.1",
      promptImage: [
        { uri: blue, position: "first" },
        { uri: green, position: "last" },
      ],
      promptText: "from blue to green",
      ratio: "1280:720",
      duration: 4,
      audio: false,
    });

    // The create answers: an id and the estimate, from the model table's credits per second.
    expect(await text).toEqual({ id: expect.any(String), estimatedCost: { credits: 2 * 12 } });
    expect((await image).estimatedCost).toEqual({ credits: 3 * 12 });
    expect((await frames).estimatedCost).toEqual({ credits: 4 * 20 });
    expect((await text).id).toMatch(/^[0-9a-f-]{36}$/);

    const [textDone, imageDone, framesDone] = await Promise.all(
      [text, image, frames].map((created) => created.waitForTaskOutput({ timeout: 45_000 })),
    );
    textTask = textDone!;
    imageTask = imageDone!;
    expect(textTask).toMatchObject({
      id: (await text).id,
      status: "SUCCEEDED",
      cost: { credits: 24 },
      output: [expect.any(String)],
    });
    expect(new Date(textTask.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    // Signed output URLs on the emulator's CDN route, living Runway's 24 h by default.
    const url = new URL(outputUrl(textTask));
    expect(`${url.origin}${url.pathname}`).toBe(
      `${emulator.url}/runway/_outputs/${textTask.id}/video.mp4`,
    );
    expect(url.searchParams.get("sig")).toMatch(/^[\w-]{43}$/);
    const fresh = new URL(outputUrl(await client.tasks.retrieve(textTask.id)));
    const lifetime = Number(fresh.searchParams.get("exp")) - Date.now() / 1000;
    expect(Math.abs(lifetime - DAY_SECONDS)).toBeLessThan(10);

    const expectations = [
      { task: textTask, width: 1280, height: 720, seconds: 2 },
      { task: imageTask, width: 720, height: 1280, seconds: 3 },
      { task: framesDone!, width: 1280, height: 720, seconds: 4 },
    ];
    for (const { task, width, height, seconds } of expectations) {
      const info = await probe(await download(outputUrl(task), `${task.id}.mp4`));
      expect(info).toMatchObject({ width, height, codec: "h264" });
      expect(Math.abs(info.durationSeconds - seconds)).toBeLessThanOrEqual(0.1);
    }

    // Each opens on its first frame: the red one cover-fitted from 640x480, the veo one blue.
    const [redR, redG, redB] = await firstFrameTop(join(workDir, `${imageTask.id}.mp4`));
    expect(redR).toBeGreaterThan(180);
    expect(Math.max(redG!, redB!)).toBeLessThan(50);
    const [blueR, blueG, blueB] = await firstFrameTop(join(workDir, `${framesDone!.id}.mp4`));
    expect(blueB).toBeGreaterThan(180);
    expect(Math.max(blueR!, blueG!)).toBeLessThan(50);
  });

  it("goes PENDING, then RUNNING with rising progress, then SUCCEEDED, and charges the credits", async () => {
    const own = clientOf(emulator);
    const before = await own.organization.retrieve();
    expect(before.creditBalance).toBe(STARTING_CREDITS);
    expect(before.tier.models["gen4.5"]).toEqual({
      maxConcurrentGenerations: 2,
      maxDailyGenerations: null,
    });
    expect(before.tier.maxMonthlyCreditSpend).toBeGreaterThan(0);

    const { id } = await own.textToVideo.create({
      model: "veo3.1_fast",
      promptText: "a heron lifting off a misty lake",
      ratio: "720:1280",
      duration: 4,
      audio: true,
    });
    const seen = await watch(own, id, finished);
    const statuses = seen.map((task) => task.status).filter((s, i, all) => s !== all[i - 1]);
    // PENDING lasts a tenth of the generation time (150 ms): a slow first poll may miss it.
    expect(["PENDING,RUNNING,SUCCEEDED", "RUNNING,SUCCEEDED"]).toContain(statuses.join());
    for (const task of seen.filter((task) => task.status !== "SUCCEEDED")) {
      expect(task).toMatchObject({ id, estimatedCost: { credits: 4 * 15 } });
      expect(Date.parse(task.createdAt)).not.toBeNaN();
    }
    const progress = seen.flatMap((task) => (task.status === "RUNNING" ? [task.progress] : []));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((value) => value > 0 && value < 1)).toBe(true);
    expect(Math.max(...progress)).toBeLessThan(1);
    expect(lastOf(seen)).toMatchObject({ status: "SUCCEEDED", cost: { credits: 60 } });

    const after = await own.organization.retrieve();
    expect(after.creditBalance).toBe(STARTING_CREDITS - 60);
    expect(after.usage.models["veo3.1_fast"]).toEqual({ dailyGenerations: 1 });
  });

  it("mints fresh URLs on every retrieve; expire() voids the old ones and polling heals it", async () => {
    const oldUrl = outputUrl(await client.tasks.retrieve(imageTask.id));
    expect((await fetch(oldUrl)).status).toBe(200);

    const forged = new URL(oldUrl);
    forged.searchParams.set("exp", String(Number(forged.searchParams.get("exp")) + 1));
    expect((await fetch(forged)).status).toBe(403);

    expect(emulator.expire(imageTask.id, "runway")).toEqual({
      id: imageTask.id,
      status: "SUCCEEDED",
    });
    const denied = await fetch(oldUrl);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain("<Code>AccessDenied</Code>");

    const fresh = outputUrl(await client.tasks.retrieve(imageTask.id));
    expect(fresh).not.toBe(oldUrl);
    await download(fresh, "fresh.mp4");

    // The same through the HTTP control.
    const control = await fetch(`${emulator.url}/_emulator/runway/expire/${imageTask.id}`, {
      method: "POST",
    });
    expect(control.status).toBe(200);
    expect((await fetch(fresh)).status).toBe(403);
    await download(outputUrl(await client.tasks.retrieve(imageTask.id)), "fresher.mp4");
  });

  it("lets output URLs lapse by time when the lifetime is short", async () => {
    const shortLived = await createProviderEmulator({
      generationMs: 300,
      contentLifetimeSeconds: 2,
    });
    try {
      const own = clientOf(shortLived);
      const { id } = await own.textToVideo.create({
        model: "gen4.5",
        promptText: "a brief candle",
        ratio: "720:1280",
        duration: 2,
      });
      const url = outputUrl(lastOf(await watch(own, id, finished)));
      expect((await fetch(url)).status).toBe(200);
      await waitFor(async () => (await fetch(url)).status === 403, {
        timeoutMs: 5_000,
        intervalMs: 200,
        what: "the output URL to lapse",
      });
      expect((await fetch(outputUrl(await own.tasks.retrieve(id)))).status).toBe(200);
    } finally {
      await shortLived.close();
    }
  });

  it("cancels a running task, then deletes it; deletes a finished one and its files", async () => {
    const { id } = await client.textToVideo.create({
      model: "gen4.5",
      promptText: "a long take to cancel",
      ratio: "1280:720",
      duration: LONG_SECONDS,
    });
    expect(await client.tasks.retrieve(id)).toMatchObject({ status: "PENDING" });
    await watch(client, id, (task) => task.status === "RUNNING");
    await client.tasks.delete(id);
    expect(await client.tasks.retrieve(id)).toMatchObject({
      id,
      status: "CANCELLED",
      cost: { credits: 0 },
    });
    // A cancelled task is finished: deleting it again removes it.
    await client.tasks.delete(id);
    expect(await rejection(client.tasks.retrieve(id))).toBeInstanceOf(NotFoundError);

    const url = outputUrl(await client.tasks.retrieve(textTask.id));
    expect(await rejection(clientOf(emulator).tasks.retrieve(textTask.id))).toBeInstanceOf(
      NotFoundError,
    );
    await client.tasks.delete(textTask.id);
    const gone = await rejection(client.tasks.retrieve(textTask.id));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone).toMatchObject({ status: 404, error: { error: "Task not found." } });
    expect(await rejection(client.tasks.delete(textTask.id))).toBeInstanceOf(NotFoundError);
    expect((await fetch(url)).status).toBe(403);
  });

  it("holds a key's extra tasks of one model THROTTLED until a slot frees", async () => {
    const own = clientOf(emulator);
    const request = { promptText: "one of many", ratio: "1280:720" } as const;
    const createLong = () =>
      own.textToVideo.create({ ...request, model: "gen4.5", duration: LONG_SECONDS });
    const statusOf = async (id: string) => (await own.tasks.retrieve(id)).status;
    const ids: string[] = [];
    for (let count = 0; count < 4; count++) ids.push((await createLong()).id);
    const [first = "", second = "", third = "", fourth = ""] = ids;

    expect(["PENDING", "RUNNING"]).toContain(await statusOf(first));
    expect(["PENDING", "RUNNING"]).toContain(await statusOf(second));
    expect(await own.tasks.retrieve(third)).toMatchObject({
      status: "THROTTLED",
      estimatedCost: { credits: LONG_SECONDS * 12 },
    });
    expect(await statusOf(fourth)).toBe("THROTTLED");
    // The limit is per model: another model still starts at once.
    const { id: other } = await own.textToVideo.create({
      ...request,
      model: "veo3.1_fast",
      duration: 4,
    });
    expect(await statusOf(other)).not.toBe("THROTTLED");

    // A throttled task cancels like any other; freeing a running slot starts the oldest waiting.
    await own.tasks.delete(fourth);
    expect(await statusOf(fourth)).toBe("CANCELLED");
    expect(await statusOf(third)).toBe("THROTTLED");
    await own.tasks.delete(first);
    expect(["PENDING", "RUNNING"]).toContain(await statusOf(third));

    for (const id of [second, third, other]) await own.tasks.delete(id);
  });

  it("refuses what Runway refuses with a 400 that names the field", async () => {
    const refusal = async (promise: Promise<unknown>) => {
      const error = await rejection(promise);
      expect(error).toBeInstanceOf(BadRequestError);
      const { error: text } = (error as BadRequestError).error as { error: string };
      // The SDK's own message carries the text as is: `400 {"error":"..."}`.
      expect((error as BadRequestError).message).toBe(`400 ${JSON.stringify({ error: text })}`);
      return text;
    };
    const base = { promptText: "x", ratio: "1280:720" as const };
    expect(
      await refusal(
        client.textToVideo.create({ ...base, model: "gen4_turbo" as "gen4.5", duration: 5 }),
      ),
    ).toMatch(/Invalid model 'gen4_turbo' for text_to_video: expected one of gen4\.5, veo3\.1/);
    expect(
      await refusal(client.textToVideo.create({ ...base, model: "gen4.5", duration: 11 })),
    ).toContain("Invalid duration 11 for gen4.5: expected 2 to 10 seconds.");
    expect(
      await refusal(client.textToVideo.create({ ...base, model: "gen4.5", duration: 2.5 })),
    ).toContain("Invalid duration 2.5");
    expect(
      await refusal(client.textToVideo.create({ ...base, model: "veo3.1", duration: 5 as 4 })),
    ).toContain("expected 4, 6 or 8 seconds");
    expect(
      await refusal(
        client.textToVideo.create({
          ...base,
          model: "gen4.5",
          duration: 5,
          ratio: "960:960" as "1280:720",
        }),
      ),
    ).toContain(
      "Invalid ratio '960:960' for gen4.5 on text_to_video: expected 1280:720 or 720:1280.",
    );
    expect(
      await refusal(
        client.textToVideo.create({
          model: "gen4.5",
          promptText: "",
          ratio: "1280:720",
          duration: 5,
        }),
      ),
    ).toContain("promptText is required");
    expect(
      await refusal(
        client.imageToVideo.create({
          model: "gen4_turbo",
          promptImage: "https://example.com/bunny.jpg",
          ratio: "1280:720",
        }),
      ),
    ).toContain("the emulator only takes data:image/...;base64 URIs");
    const frame = await solidPngDataUri("64x64", "#808080");
    expect(
      await refusal(
        client.imageToVideo.create({
          model: "veo3.1",
          promptImage: [{ uri: frame, position: "last" }],
          ratio: "1280:720",
        }),
      ),
    ).toContain("veo3.1 needs a first frame");
    expect(
      await refusal(
        client.imageToVideo.create({
          model: "gen4.5",
          promptImage: [{ uri: frame, position: "last" as "first" }],
          promptText: "x",
          ratio: "1280:720",
          duration: 5,
        }),
      ),
    ).toContain("Invalid promptImage position 'last' for gen4.5");
    expect(
      await refusal(
        client.imageToVideo.create({
          model: "gen4_turbo",
          promptImage: "data:image/png;base64,bm90IGFuIGltYWdl",
          ratio: "1280:720",
        }),
      ),
    ).toContain("promptImage is not a readable image.");
    // Nothing was created by any of them.
    expect((await client.organization.retrieve()).usage.models["gen4_turbo"]).toEqual({
      dailyGenerations: 0,
    });
  });

  it("requires X-Runway-Version and a key_ key, and answers Runway's error shape", async () => {
    const key = newKey();
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${emulator.url}/runway${path}`, { headers });
    const noVersion = await get("/v1/organization", { authorization: `Bearer ${key}` });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toEqual({
      error: "Missing X-Runway-Version header: set it to 2024-11-06.",
    });
    const oldVersion = await get("/v1/organization", {
      authorization: `Bearer ${key}`,
      "x-runway-version": "2023-01-01",
    });
    expect(oldVersion.status).toBe(400);
    const unknownPath = await get("/v1/nothing_here", {
      authorization: `Bearer ${key}`,
      "x-runway-version": "2024-11-06",
    });
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toEqual({ error: expect.any(String) });

    const badJson = await fetch(`${emulator.url}/runway/v1/text_to_video`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "x-runway-version": "2024-11-06",
        "content-type": "application/json",
      },
      body: '{"model": ',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: expect.stringContaining("JSON") });

    const wrongKey = await rejection(
      clientOf(emulator, "sk-not-a-runway-key").organization.retrieve(),
    );
    expect(wrongKey).toBeInstanceOf(AuthenticationError);
    expect(wrongKey).toMatchObject({ status: 401, error: { error: "Invalid API key." } });
  });
});

/** Downloads an image output URL (no key) and reads its format and size. */
async function imageAt(url: string) {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  expect(response.headers.get("content-type")).toBe("image/png");
  const { format, width, height } = await sharp(
    Buffer.from(await response.arrayBuffer()),
  ).metadata();
  return { format, width, height };
}

describe("Runway emulator text to image, through @runwayml/sdk", () => {
  afterEach(() => emulator.clearFaults("runway"));

  it("makes a gen4_image PNG of exactly the ratio's size, on expiring, re-minted output URLs", async () => {
    const own = clientOf(emulator);
    const reference = await solidPngDataUri("320x240", "#d01010");
    const landscape = own.textToImage.create({
      model: "gen4_image",
      promptText: "a lighthouse at dawn, seen from the cliffs",
      ratio: "1920:1080",
      seed: 42,
    });
    const portrait = await own.textToImage.create({
      model: "gen4_image",
      promptText: "@wall as a mural in a narrow street",
      ratio: "720:1280",
      referenceImages: [{ uri: reference, tag: "wall" }],
    });
    // One image a task: 8 credits above 720p, 5 at 720p (the model table's figures).
    expect(await landscape).toEqual({ id: expect.any(String), estimatedCost: { credits: 8 } });
    expect(portrait.estimatedCost).toEqual({ credits: 5 });

    const done = await landscape.waitForTaskOutput({ timeout: 30_000 });
    expect(done).toMatchObject({
      id: (await landscape).id,
      status: "SUCCEEDED",
      cost: { credits: 8 },
      output: [expect.any(String)],
    });
    const url = new URL(outputUrl(done));
    expect(`${url.origin}${url.pathname}`).toBe(
      `${emulator.url}/runway/_outputs/${done.id}/image.png`,
    );
    expect(await imageAt(url.href)).toEqual({ format: "png", width: 1920, height: 1080 });
    const portraitDone = lastOf(await watch(own, portrait.id, finished));
    expect(await imageAt(outputUrl(portraitDone))).toEqual({
      format: "png",
      width: 720,
      height: 1280,
    });

    // The video's URL rules hold: expire() voids the links, the next retrieve mints working ones.
    emulator.expire(done.id, "runway");
    expect((await fetch(url)).status).toBe(403);
    const fresh = outputUrl(await own.tasks.retrieve(done.id));
    expect(fresh).not.toBe(url.href);
    expect((await imageAt(fresh)).width).toBe(1920);
    // A signature covers its file: the same link naming the video file is refused.
    expect((await fetch(fresh.replace("/image.png?", "/video.mp4?"))).status).toBe(403);

    const organization = await own.organization.retrieve();
    expect(organization.creditBalance).toBe(STARTING_CREDITS - 13);
    expect(organization.usage.models["gen4_image"]).toEqual({ dailyGenerations: 2 });
    expect(organization.tier.models["gen4_image"]).toMatchObject({ maxConcurrentGenerations: 2 });
  });

  it("throttles images per model and fails the next one as told, refunded", async () => {
    const own = clientOf(emulator);
    const image = { model: "gen4_image", promptText: "a tin robot", ratio: "1080:1080" } as const;
    const ids: string[] = [];
    for (let count = 0; count < 3; count++) ids.push((await own.textToImage.create(image)).id);
    expect((await own.tasks.retrieve(ids[2]!)).status).toBe("THROTTLED");
    for (const id of ids) {
      expect(lastOf(await watch(own, id, finished))).toMatchObject({ status: "SUCCEEDED" });
    }

    emulator.setFaults(
      { failNextJobs: { count: 1, code: "SAFETY.OUTPUT.IMAGE", message: "Flagged output." } },
      "runway",
    );
    const { id } = await own.textToImage.create(image);
    expect(lastOf(await watch(own, id, finished))).toMatchObject({
      status: "FAILED",
      failure: "Flagged output.",
      failureCode: "SAFETY.OUTPUT.IMAGE",
      cost: { credits: 0 },
    });
    expect((await own.organization.retrieve()).creditBalance).toBe(STARTING_CREDITS - 3 * 8);
  });

  it("refuses what gen4_image does not take with a 400 that names the field", async () => {
    const own = clientOf(emulator);
    const refusal = async (body: RunwayML.TextToImageCreateParams) => {
      const error = await rejection(own.textToImage.create(body));
      expect(error).toBeInstanceOf(BadRequestError);
      return ((error as BadRequestError).error as { error: string }).error;
    };
    const base = { model: "gen4_image", promptText: "x", ratio: "1280:720" } as const;
    expect(await refusal({ ...base, ratio: "960:960" as "1280:720" })).toMatch(
      /^Invalid ratio '960:960' for gen4_image on text_to_image: expected 1024:1024, 1080:1080, /,
    );
    expect(await refusal({ ...base, model: "gen4.5" as "gen4_image" })).toBe(
      "Invalid model 'gen4.5' for text_to_image: expected one of gen4_image.",
    );
    expect(await refusal({ ...base, promptText: " " })).toContain("promptText is required");
    expect(
      await refusal({ ...base, referenceImages: [{ uri: "https://example.com/cat.png" }] }),
    ).toContain("the emulator only takes data:image/...;base64 URIs");
    const frame = await solidPngDataUri("64x64", "#808080");
    expect(await refusal({ ...base, referenceImages: [{ uri: frame, tag: "a-b" }] })).toContain(
      "Invalid referenceImages tag 'a-b'",
    );
    expect((await own.organization.retrieve()).usage.models["gen4_image"]).toEqual({
      dailyGenerations: 0,
    });
  });
});

describe("Runway emulator faults", () => {
  const setFaults = async (faults: unknown) => {
    const response = await fetch(`${emulator.url}/_emulator/runway/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(faults),
    });
    expect(response.status).toBe(200);
  };
  afterEach(() => emulator.clearFaults("runway"));

  const shortTask = {
    model: "gen4.5",
    promptText: "a quick one",
    ratio: "1280:720",
    duration: 2,
  } as const;

  it("rate limits with retry-after, and the SDK's retry waits for it, POST create included", async () => {
    await setFaults({ rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const error = await rejection(clientOf(emulator).organization.retrieve());
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers.get("retry-after")).toBe("1");
    expect(error).toMatchObject({ error: { error: expect.stringContaining("rate limit") } });

    // The default client (2 retries) retries a POST without any idempotency key.
    emulator.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 1 } }, "runway");
    const retrying = clientOf(emulator, newKey(), 2);
    const started = Date.now();
    const { id } = await retrying.textToVideo.create(shortTask);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await retrying.organization.retrieve()).usage.models["gen4.5"]).toEqual({
      dailyGenerations: 1,
    });
    await retrying.tasks.delete(id);
  });

  it("answers 500 for injected server errors, which the SDK retries", async () => {
    await setFaults({ serverErrors: { count: 1 } });
    const error = await rejection(clientOf(emulator).organization.retrieve());
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 500, error: { error: "An unexpected error occurred." } });

    emulator.setFaults({ serverErrors: { count: 1 } }, "runway");
    await expect(clientOf(emulator, newKey(), 1).organization.retrieve()).resolves.toMatchObject({
      creditBalance: STARTING_CREDITS,
    });
  });

  it("fails the next task with the injected failure code, refunded", async () => {
    await setFaults({
      failNextJobs: {
        count: 1,
        code: "SAFETY.INPUT.TEXT",
        message: "The prompt was flagged by content moderation.",
      },
    });
    const own = clientOf(emulator);
    const { id } = await own.textToVideo.create(shortTask);
    expect(lastOf(await watch(own, id, finished))).toEqual({
      id,
      status: "FAILED",
      createdAt: expect.any(String),
      failure: "The prompt was flagged by content moderation.",
      failureCode: "SAFETY.INPUT.TEXT",
      cost: { credits: 0 },
    });
    // waitForTaskOutput on a retrieve does not wait first, and throws on a failed task.
    const failed = await rejection(own.tasks.retrieve(id).waitForTaskOutput());
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect((failed as TaskFailedError).taskDetails).toMatchObject({
      failureCode: "SAFETY.INPUT.TEXT",
    });
    expect((await own.organization.retrieve()).creditBalance).toBe(STARTING_CREDITS);
  });
});
