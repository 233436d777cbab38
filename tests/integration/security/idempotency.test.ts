// Creates and remixes are made once per Idempotency-Key: a client's retry (a lost answer, a double
// submit) gets the job the first request made, with nothing reserved or started again at the
// provider; the same key with another request is refused; concurrent retries make one job.
import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { findAccessCode, issueAccessCode } from "#core/access-codes";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { emulatorFaults, providerVideos } from "../../support/emulator";
import { completedVideo, VIDEO } from "../../support/videos";

beforeAll(useStackEnvironment);

afterEach(() => emulatorFaults());

const keyed = () => ({ "idempotency-key": randomUUID() });
const create = (credential: string, headers: Record<string, string>, json: object = VIDEO) =>
  api("/api/videos", { credential, json, headers });
const library = async (credential: string) =>
  (await api("/api/videos", { credential })).body.jobs as { id: string }[];

describe("Idempotency-Key", () => {
  it("a retry with the same key and request gets the same job; the provider saw one create", async () => {
    const key = newKey();
    const headers = keyed();
    const first = await create(key, headers);
    const retry = await create(key, headers);
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(await library(key)).toHaveLength(1);
    expect(await providerVideos(key)).toHaveLength(1);
  });

  it("concurrent retries make one job, and each answers with it", async () => {
    const key = newKey();
    const headers = keyed();
    // A provider this slow keeps the first request running while the others arrive.
    await emulatorFaults({ slowMs: 1_500 });
    const replies = await Promise.all(Array.from({ length: 4 }, () => create(key, headers)));
    expect(replies.map((reply) => reply.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(replies.map((reply) => reply.body.id)).size).toBe(1);
    await emulatorFaults();
    expect(await library(key)).toHaveLength(1);
    expect(await providerVideos(key)).toHaveLength(1);
  });

  it("an access code's retry reserves nothing again", async () => {
    const code = `take-test-${randomBytes(6).toString("hex")}`;
    await issueAccessCode(code, { label: `retry ${code.slice(-6)}`, quotaSeconds: VIDEO.seconds });
    const headers = keyed();
    const first = await create(code, headers);
    // Without the key this would be a 402: the quota covers one video.
    const retry = await create(code, headers);
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(retry.body.id).toBe(first.body.id);
    expect((await findAccessCode(code))?.usedSeconds).toBe(VIDEO.seconds);
  });

  it("the same key with another request is refused with 422, making nothing", async () => {
    const key = newKey();
    const headers = keyed();
    expect((await create(key, headers)).status).toBe(202);
    const other = await create(key, headers, { ...VIDEO, prompt: "A different shot" });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect(other.body.error.message).toMatch(/different request/);
    expect(await library(key)).toHaveLength(1);
    expect(await providerVideos(key)).toHaveLength(1);
  });

  it("a key is its caller's own: another caller's same key makes its own job", async () => {
    const [ana, ben] = [newKey(), newKey()];
    const headers = keyed();
    const hers = await create(ana, headers);
    const his = await create(ben, headers);
    expect([hers.status, his.status]).toEqual([202, 202]);
    expect(his.body.id).not.toBe(hers.body.id);
  });

  it("a malformed key is refused with 400 before anything is made", async () => {
    const key = newKey();
    for (const bad of ["k".repeat(256), "tab\there"]) {
      const reply = await create(key, { "idempotency-key": bad });
      expect(reply.status, JSON.stringify(bad)).toBe(400);
      expect(reply.body.error.code).toBe("invalid_idempotency_key");
    }
    expect(await library(key)).toEqual([]);
    expect(await providerVideos(key)).toEqual([]);
  });

  it("a remix retried with the same key makes one remix", async () => {
    const key = newKey();
    const id = await completedVideo(key);
    const headers = keyed();
    const remix = () =>
      api(`/api/videos/${id}/remix`, {
        credential: key,
        json: { prompt: "The same kites at dusk" },
        headers,
      });
    const first = await remix();
    const retry = await remix();
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(retry.body.id).toBe(first.body.id);
    expect(first.body.parentId).toBe(id);
    // The original and one remix.
    expect(await providerVideos(key)).toHaveLength(2);
  });
});
