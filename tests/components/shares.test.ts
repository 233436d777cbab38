import { randomBytes } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoClient } from "#core/aws";
import type { ResolvedCredential } from "#core/credentials";
import { newJob, type Job } from "#core/jobs/model";
import { mediaKey, sharedKey } from "#core/media/layout";
import { putMedia } from "#core/media/storage";
import {
  createShare,
  isShareToken,
  listShares,
  newShareToken,
  revokeShare,
  viewShare,
} from "#core/shares";
import { MAX_SHARE_SECONDS, MIN_SHARE_SECONDS } from "#core/requests";
import { requestOrigin } from "#functions/http/headers";
import { takesRejection } from "../support/errors";
import { newJobInput, uniqueId } from "../support/jobs";
import { useLinkedResources } from "../support/resources";

useLinkedResources();

/** A fresh owner per test keeps the tests independent on one shared table. */
function newCaller(): ResolvedCredential {
  const ownerId = uniqueId("owner_");
  return { ownerId, providerCredential: "sk-test-unused", kind: "brought-key", provider: "openai" };
}

const HOUR = 3600;

/** A job of the caller's in `status`; completed jobs have their video and thumbnail stored. */
async function storedJob(
  caller: ResolvedCredential,
  status: Job["status"] = "completed",
): Promise<Job> {
  const job = newJob(newJobInput({ owner: caller.ownerId, nextPollAt: Date.now() }));
  const finished: Job = {
    ...job,
    status,
    ownerStatus: `${caller.ownerId}#${status}`,
    media:
      status === "completed"
        ? {
            video: { key: mediaKey(job, "video"), contentType: "video/mp4", bytes: 4096 },
            thumbnail: { key: mediaKey(job, "thumbnail"), contentType: "image/webp", bytes: 512 },
          }
        : {},
  };
  if (status === "completed") {
    delete finished.pollShard;
    delete finished.nextPollAt;
    for (const stored of Object.values(finished.media)) {
      await putMedia(stored.key, randomBytes(stored.bytes), stored.contentType);
    }
  }
  await dynamoClient().send(new PutCommand({ TableName: "Jobs", Item: finished }));
  return finished;
}

describe("share tokens", () => {
  it("are 22 base64url characters of 128 random bits, never repeating", () => {
    const tokens = Array.from({ length: 2000 }, newShareToken);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(16);
      expect(isShareToken(token)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    // Every character position varies: nothing about a token is predictable.
    for (let position = 0; position < 21; position++) {
      expect(new Set(tokens.map((token) => token[position])).size).toBeGreaterThan(20);
    }
  });

  it("anything else is not a token", () => {
    for (const value of [
      "",
      "short",
      "A".repeat(21),
      "A".repeat(23),
      "../../../etc/passwd/xx",
      "AAAAAAAAAAAAAAAAAAAA=",
      "AAAAAAAAAAAAAAAAAAAAA+",
      "AAAAAAAAAAAAAAAAAAAA/A",
    ]) {
      expect(isShareToken(value), value).toBe(false);
    }
  });
});

describe("shares", () => {
  it("creates a link to a completed video, expiring when asked", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const now = Date.now();
    const share = await createShare(caller, { id: job.id, expiresIn: 2 * HOUR }, now);
    expect(share).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 2 * HOUR * 1000).toISOString(),
      views: 0,
      revoked: false,
      expired: false,
    });
  });

  it("takes expiries from 1 hour to 30 days in whole seconds, else 400", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    for (const seconds of [MIN_SHARE_SECONDS, MAX_SHARE_SECONDS]) {
      await expect(createShare(caller, { id: job.id, expiresIn: seconds })).resolves.toMatchObject({
        views: 0,
      });
    }
    for (const seconds of [0, -1, MIN_SHARE_SECONDS - 1, MAX_SHARE_SECONDS + 1, 3600.5, NaN]) {
      const error = await takesRejection(createShare(caller, { id: job.id, expiresIn: seconds }));
      expect(error.status, String(seconds)).toBe(400);
      expect(error.code).toBe("invalid_expiry");
    }
  });

  it("shares only finished videos of the caller's own", async () => {
    const caller = newCaller();
    const running = await storedJob(caller, "in_progress");
    expect(
      (await takesRejection(createShare(caller, { id: running.id, expiresIn: HOUR }))).status,
    ).toBe(409);
    const failed = await storedJob(caller, "failed");
    expect(
      (await takesRejection(createShare(caller, { id: failed.id, expiresIn: HOUR }))).status,
    ).toBe(409);
    const theirs = await storedJob(newCaller());
    expect(
      (await takesRejection(createShare(caller, { id: theirs.id, expiresIn: HOUR }))).status,
    ).toBe(404);
    expect(
      (await takesRejection(createShare(caller, { id: "not-an-id", expiresIn: HOUR }))).status,
    ).toBe(400);
  });

  it("a view counts and hands out presigned URLs of a few minutes", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const { token } = await createShare(caller, { id: job.id, expiresIn: HOUR });
    const viewed = await viewShare(token);
    expect(viewed).toMatchObject({
      prompt: job.prompt,
      size: job.size,
      seconds: job.seconds,
      createdAt: job.createdAt,
      video: { contentType: "video/mp4" },
      poster: { contentType: "image/webp" },
    });
    // The share's own copies, named without the owner, play the job's media.
    const videoUrl = new URL(viewed.video.url);
    expect(videoUrl.pathname).toContain(sharedKey(job.id, "video"));
    expect(videoUrl.pathname).not.toContain(caller.ownerId);
    expect(Number(videoUrl.searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(600);
    expect(new URL(viewed.poster!.url).pathname).toContain(sharedKey(job.id, "thumbnail"));
    const played = await fetch(videoUrl);
    expect(Buffer.from(await played.arrayBuffer()).byteLength).toBe(job.media.video!.bytes);
    expect((await listShares(caller, { id: job.id }))[0]?.views).toBe(1);
  });

  it("counts every one of many concurrent views", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const { token } = await createShare(caller, { id: job.id, expiresIn: HOUR });
    await Promise.all(Array.from({ length: 25 }, () => viewShare(token)));
    expect((await listShares(caller, { id: job.id }))[0]?.views).toBe(25);
  });

  it("lists a job's links newest first, each with its views", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const other = await storedJob(caller);
    const now = Date.now();
    const older = await createShare(caller, { id: job.id, expiresIn: HOUR }, now - 2000);
    const newer = await createShare(caller, { id: job.id, expiresIn: 2 * HOUR }, now - 1000);
    await createShare(caller, { id: other.id, expiresIn: HOUR }, now);
    await viewShare(older.token);
    await viewShare(older.token);
    const listed = await listShares(caller, { id: job.id });
    expect(listed.map((share) => [share.token, share.views])).toEqual([
      [newer.token, 0],
      [older.token, 2],
    ]);
    expect(await listShares(caller, { id: (await storedJob(caller)).id })).toEqual([]);
  });

  it("a revoked link is gone (410), and stays listed as revoked with its views", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const { token } = await createShare(caller, { id: job.id, expiresIn: HOUR });
    await viewShare(token);
    await revokeShare(caller, { id: job.id, token });
    // Revoking again changes nothing and is no error.
    await revokeShare(caller, { id: job.id, token });
    const error = await takesRejection(viewShare(token));
    expect(error.status).toBe(410);
    expect(error.code).toBe("share_gone");
    expect(await listShares(caller, { id: job.id })).toMatchObject([
      { token, views: 1, revoked: true },
    ]);
  });

  it("an expired link is gone (410) without waiting for TTL, and lists as expired", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const created = Date.now();
    const { token } = await createShare(caller, { id: job.id, expiresIn: HOUR }, created);
    const justBefore = created + HOUR * 1000 - 1;
    await expect(viewShare(token, justBefore)).resolves.toBeDefined();
    const atExpiry = created + HOUR * 1000;
    expect((await takesRejection(viewShare(token, atExpiry))).status).toBe(410);
    expect((await listShares(caller, { id: job.id }, atExpiry))[0]).toMatchObject({
      views: 1,
      expired: true,
      revoked: false,
    });
  });

  it("a link whose video was deleted is gone (410)", async () => {
    const caller = newCaller();
    const job = await storedJob(caller);
    const { token } = await createShare(caller, { id: job.id, expiresIn: HOUR });
    await dynamoClient().send(
      new PutCommand({ TableName: "Jobs", Item: { ...job, owner: "someone-else" } }),
    );
    expect((await takesRejection(viewShare(token))).status).toBe(410);
  });

  it("unknown and malformed tokens are 404 and reveal nothing", async () => {
    for (const token of [newShareToken(), "short", "../../videos", "A".repeat(40)]) {
      const error = await takesRejection(viewShare(token));
      expect(error.status, token).toBe(404);
      expect(error.message).toBe("There is no share link at this address.");
    }
  });

  it("another owner can neither list nor revoke a link: 404, and the link keeps working", async () => {
    const owner = newCaller();
    const stranger = newCaller();
    const job = await storedJob(owner);
    const { token } = await createShare(owner, { id: job.id, expiresIn: HOUR });
    expect((await takesRejection(listShares(stranger, { id: job.id }))).status).toBe(404);
    expect((await takesRejection(revokeShare(stranger, { id: job.id, token }))).status).toBe(404);
    // The right owner, but naming another of their jobs: also 404.
    const other = await storedJob(owner);
    expect((await takesRejection(revokeShare(owner, { id: other.id, token }))).status).toBe(404);
    expect(
      (await takesRejection(revokeShare(owner, { id: job.id, token: newShareToken() }))).status,
    ).toBe(404);
    expect((await takesRejection(revokeShare(owner, { id: job.id, token: "../x" }))).status).toBe(
      404,
    );
    await expect(viewShare(token)).resolves.toBeDefined();
  });
});

describe("requestOrigin", () => {
  it("prefers the viewer's host CloudFront forwards, and its protocol", () => {
    expect(
      requestOrigin({
        host: "abc.execute-api.us-east-1.amazonaws.com",
        forwardedHost: "takes.example.com",
        forwardedProto: "https",
      }),
    ).toBe("https://takes.example.com");
    expect(requestOrigin({ host: "127.0.0.1:4000", forwardedProto: "http" })).toBe(
      "http://127.0.0.1:4000",
    );
    expect(requestOrigin({ host: "takes.example.com" })).toBe("https://takes.example.com");
  });

  it("ignores a host that is not one", () => {
    for (const host of ["evil.com/path", "a b", "x@evil.com", "", "host:99999999"]) {
      expect(requestOrigin({ host }), host).toBeUndefined();
    }
  });
});
