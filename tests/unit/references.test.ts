import { describe, expect, it } from "vitest";
import { openaiProvider } from "#core/providers/openai";
import { ulid } from "ulid";
import { draftImageKey, parseReferenceKey, referenceKey } from "#core/media/layout";
import { checkCapabilities } from "#core/providers/declarations";

const OWNER = "Zm9vYmFyLW93bmVyX2lk-_";
const JOB = "01JC3Z8W6K2M4N5P7Q8R9S0T1V";

describe("reference keys", () => {
  it("a generated image waits under the owner's drafts, and is a reference key too", () => {
    const key = draftImageKey(OWNER, ulid());
    expect(key).toMatch(/^drafts\/Zm9vYmFyLW93bmVyX2lk-_\/[0-9A-HJKMNP-TV-Z]{26}\.png$/);
    expect(parseReferenceKey(key)).toEqual({ owner: OWNER });
  });

  it("a new key is a PNG under the owner's references", () => {
    const key = referenceKey(OWNER, ulid());
    expect(key).toMatch(/^references\/Zm9vYmFyLW93bmVyX2lk-_\/[0-9A-HJKMNP-TV-Z]{26}\.png$/);
    expect(parseReferenceKey(key)).toEqual({ owner: OWNER });
  });

  it("a job's first or last frame names the job it continues", () => {
    expect(parseReferenceKey(`videos/${OWNER}/${JOB}/last.png`)).toEqual({
      owner: OWNER,
      jobId: JOB,
    });
    expect(parseReferenceKey(`videos/${OWNER}/${JOB}/first.png`)).toEqual({
      owner: OWNER,
      jobId: JOB,
    });
  });

  it.each([
    ["a video", `videos/${OWNER}/${JOB}/video.mp4`],
    ["a thumbnail", `videos/${OWNER}/${JOB}/thumbnail.webp`],
    ["a path escape", `references/${OWNER}/../other/${JOB}.png`],
    ["a nested path", `references/${OWNER}/x/${JOB}.png`],
    ["another extension", `references/${OWNER}/${JOB}.jpg`],
    ["a leading slash", `/references/${OWNER}/${JOB}.png`],
    ["another prefix", `uploads/${OWNER}/${JOB}.png`],
    ["a malformed id", `references/${OWNER}/not-a-ulid.png`],
    ["an empty owner", `references//${JOB}.png`],
  ])("%s is no reference key", (_, key) => {
    expect(parseReferenceKey(key)).toBeUndefined();
  });
});

describe("checkCapabilities", () => {
  it("checks only the settings a request names", () => {
    expect(() => checkCapabilities(openaiProvider, {})).not.toThrow();
    expect(() => checkCapabilities(openaiProvider, { size: "720x1280" })).not.toThrow();
    expect(() => checkCapabilities(openaiProvider, { size: "640x480" })).toThrow(
      expect.objectContaining({ status: 400, code: "unknown_size" }),
    );
    expect(() => checkCapabilities(openaiProvider, { seconds: 5 })).toThrow(
      expect.objectContaining({ code: "unknown_seconds" }),
    );
    expect(() => checkCapabilities(openaiProvider, { model: "sora-9" })).toThrow(
      expect.objectContaining({ code: "unknown_model" }),
    );
  });
});
