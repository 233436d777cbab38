import { describe, expect, it } from "vitest";
import { isJobId, newJob, pollShardOf, POLL_SHARD_KEYS, type Job } from "#core/jobs/model";
import { MEDIA_VARIANTS, mediaKey, parseVideoKey } from "#core/media/layout";
import { ListedJob } from "#core/responses";
import { CARD_MEDIA } from "#core/videos/card-media";
import { toJobView, toPublicJob } from "#core/videos/view";

const owner = "f3kA9_x-ownerHmacInBase64url0123456789abcd";
const created = new Date("2026-11-20T10:00:00.000Z");

const job = (overrides: Partial<Job> = {}): Job => ({
  ...newJob(
    {
      owner,
      provider: "openai",
      providerJobId: "video_123",
      model: "sora-2",
      prompt: "a lighthouse at dusk",
      seconds: 8,
      size: "1280x720",
      nextPollAt: created.getTime() + 5_000,
    },
    created,
  ),
  ...overrides,
});

describe("newJob", () => {
  it("starts queued, active and empty", () => {
    const fresh = job();
    expect(isJobId(fresh.id)).toBe(true);
    expect(fresh).toMatchObject({
      status: "queued",
      progress: 0,
      error: null,
      createdAt: "2026-11-20T10:00:00.000Z",
      media: {},
      pollCount: 0,
      pollShard: pollShardOf(fresh.id),
      nextPollAt: created.getTime() + 5_000,
      ownerStatus: `${owner}#queued`,
      consecutiveErrors: 0,
    });
  });

  it("files jobs made in one millisecond under different shards of the poll index", () => {
    const shards = Array.from({ length: POLL_SHARD_KEYS.length }, () => job().pollShard);
    expect(new Set(shards).size).toBe(POLL_SHARD_KEYS.length);
  });

  it("gives ids that sort in creation order, even within one millisecond", () => {
    const ids = Array.from({ length: 50 }, () => job().id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("media keys", () => {
  it("puts every variant in the job's own folder", () => {
    const { id } = job();
    expect(MEDIA_VARIANTS.map((variant) => mediaKey({ owner, id }, variant))).toEqual([
      `videos/${owner}/${id}/video.mp4`,
      `videos/${owner}/${id}/thumbnail.webp`,
      `videos/${owner}/${id}/spritesheet.webp`,
      `videos/${owner}/${id}/first.png`,
      `videos/${owner}/${id}/last.png`,
    ]);
  });

  it("parses a video key back to its owner and job", () => {
    const { id } = job();
    expect(parseVideoKey(mediaKey({ owner, id }, "video"))).toEqual({ owner, jobId: id });
  });

  it.each([
    ["another variant", (id: string) => `videos/${owner}/${id}/first.png`],
    ["a bad job id", () => `videos/${owner}/not-a-ulid/video.mp4`],
    ["another prefix", (id: string) => `uploads/${owner}/${id}/video.mp4`],
    ["a nested path", (id: string) => `videos/${owner}/x/${id}/video.mp4`],
  ])("ignores %s", (_, key) => {
    expect(parseVideoKey(key(job().id))).toBeUndefined();
  });
});

describe("toPublicJob", () => {
  it("shows a fresh job with nulls, never internals", () => {
    const fresh = job({ sealedCredential: "v1.secret", estimatedCostUsd: 0.8 });
    const shown = toPublicJob(fresh, {});
    expect(shown).toEqual({
      id: fresh.id,
      status: "queued",
      progress: 0,
      progressEstimated: false,
      queuePosition: null,
      prompt: "a lighthouse at dusk",
      model: "sora-2",
      seconds: 8,
      size: "1280x720",
      provider: "openai",
      sound: null,
      parentId: null,
      createdAt: "2026-11-20T10:00:00.000Z",
      completedAt: null,
      error: null,
      framesError: null,
      awaitingKey: null,
      cost: { estimatedUsd: 0.8, actualUsd: null, credits: null },
      media: { video: null, thumbnail: null, spritesheet: null, firstFrame: null, lastFrame: null },
    });
    expect(JSON.stringify(shown)).not.toMatch(/owner|sealed|secret|videos\//);
  });

  it("shows a completed job's media with the URLs the caller presigned", () => {
    const base = job();
    const done = job({
      id: base.id,
      status: "completed",
      progress: 100,
      parentId: "01JCZ0000000000000000000AB",
      copiedAt: "2026-11-20T10:01:30.000Z",
      providerCompletedAt: "2026-11-20T10:01:20.000Z",
      media: {
        video: { key: mediaKey(base, "video"), contentType: "video/mp4", bytes: 1234 },
        thumbnail: { key: mediaKey(base, "thumbnail"), contentType: "image/webp", bytes: 56 },
        firstFrame: { key: mediaKey(base, "firstFrame"), contentType: "image/png", bytes: 78 },
      },
    });
    const shown = toPublicJob(done, {
      video: "https://signed/video",
      thumbnail: "https://signed/thumb",
      // No URL for firstFrame: not shown, though stored.
    });
    expect(shown).toMatchObject({
      status: "completed",
      progress: 100,
      parentId: "01JCZ0000000000000000000AB",
      completedAt: "2026-11-20T10:01:30.000Z",
      media: {
        video: { url: "https://signed/video", contentType: "video/mp4", bytes: 1234 },
        thumbnail: { url: "https://signed/thumb", contentType: "image/webp", bytes: 56 },
        spritesheet: null,
        firstFrame: null,
        lastFrame: null,
      },
    });
  });

  it("lists a job with URLs for its card's files only, the others described without one", () => {
    const base = job();
    const done = job({
      id: base.id,
      status: "completed",
      progress: 100,
      media: Object.fromEntries(
        MEDIA_VARIANTS.map((variant) => [
          variant,
          { key: mediaKey(base, variant), contentType: "image/webp", bytes: 10 },
        ]),
      ),
    });
    const listed = toJobView(done, CARD_MEDIA, {
      thumbnail: "https://signed/thumb",
      spritesheet: "https://signed/sprite",
    });
    expect(listed.media).toEqual({
      video: { contentType: "image/webp", bytes: 10 },
      thumbnail: { url: "https://signed/thumb", contentType: "image/webp", bytes: 10 },
      spritesheet: { url: "https://signed/sprite", contentType: "image/webp", bytes: 10 },
      firstFrame: { contentType: "image/webp", bytes: 10 },
      lastFrame: { contentType: "image/webp", bytes: 10 },
    });
    // The listing's documented shape, which strips a URL it does not document.
    expect(ListedJob.parse(listed)).toEqual(listed);
    const everyUrl = toPublicJob(done, { video: "https://signed/video" });
    expect(ListedJob.parse(everyUrl)).not.toEqual(everyUrl);
  });

  it("shows why a job failed", () => {
    const failed = job({ status: "failed", error: { code: "moderation", message: "Blocked." } });
    expect(toPublicJob(failed, {}).error).toEqual({ code: "moderation", message: "Blocked." });
  });
});
