// Share links that were revoked, have expired or were guessed never play, and every media URL the
// API and the pages hand out is presigned to expire within minutes (fauxqs's S3 does not enforce
// expiry, so the signed X-Amz-Date and X-Amz-Expires are what is checked).
import { beforeAll, describe, expect, inject, it } from "vitest";
import { resolveCredential } from "#core/credentials";
import { presignGet } from "#core/media/storage";
import { createShare, newShareToken, viewShare } from "#core/shares";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { signInCookie } from "../../support/session";
import { completedVideo } from "../../support/videos";
import { waitFor } from "../../support/wait";

const stack = inject("stack");
const key = newKey();
let id: string;

beforeAll(async () => {
  useStackEnvironment();
  id = await completedVideo(key);
});

/** The share page as a visitor without a session gets it. */
const visit = (token: string) => fetch(`${stack.url}/s/${encodeURIComponent(token)}`);

/** A link that does not play: the page's status, and no media URL anywhere in it. */
async function expectNoPlay(token: string, status: number) {
  const response = await visit(token);
  expect(response.status, token).toBe(status);
  const html = await response.text();
  expect(html).not.toContain("X-Amz-Signature");
  expect(html).not.toContain("<video");
}

describe("share links that must not play", () => {
  it("a revoked link is gone (410), though it played before", async () => {
    const { body } = await api(`/api/videos/${id}/shares`, {
      credential: key,
      json: { expiresIn: 3600 },
    });
    const token = body.share.token as string;
    expect((await visit(token)).status).toBe(200);
    const revoked = await api(`/api/videos/${id}/shares/${token}`, {
      method: "DELETE",
      credential: key,
    });
    expect(revoked.status).toBe(204);
    await expectNoPlay(token, 410);
  });

  it("an expired link is gone (410): written already expired, and read with a later clock", async () => {
    const caller = await resolveCredential(key);
    const twoHoursAgo = Date.now() - 2 * 60 * 60 * 1000;
    const expired = await createShare(caller, { id: id, expiresIn: 3600 }, twoHoursAgo);
    await expectNoPlay(expired.token, 410);

    const fresh = await createShare(caller, { id: id, expiresIn: 3600 });
    await expect(viewShare(fresh.token, Date.now() + 3599_000)).resolves.toBeTruthy();
    await expect(viewShare(fresh.token, Date.now() + 3601_000)).rejects.toMatchObject({
      status: 410,
    });
  });

  it("a shared page's media URLs do not name the owner, and still play", async () => {
    const caller = await resolveCredential(key);
    const share = await api(`/api/videos/${id}/shares`, {
      credential: key,
      json: { expiresIn: 3600 },
    });
    const html = await (await visit(share.body.share.token)).text();
    const urls = presignedUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(1);
    expect(html).not.toContain(caller.ownerId);
    for (const url of urls) {
      expect(url.pathname).not.toContain(caller.ownerId);
      const media = await fetch(url);
      expect(media.status, url.pathname).toBe(200);
      expect(media.headers.get("content-type"), url.pathname).toMatch(/^(video|image)\//);
    }
  });

  it.each([
    ["a guessed token of the right shape", newShareToken()],
    ["a path traversal", "../../etc/passwd"],
    ["an encoded traversal", "%2e%2e%2f"],
    ["SQL", "' OR 1=1 --"],
    ["markup", "<script>alert(1)</script>"],
    ["unicode", "ümlaut-✓-🙂"],
    ["a token one character long", "a"],
  ])("%s is not found (404)", async (_, token) => {
    await expectNoPlay(token, 404);
  });
});

/** Every presigned URL in a text (JSON or HTML, whose `&amp;` is undone). */
const presignedUrls = (text: string) =>
  [...text.replaceAll("&amp;", "&").matchAll(/https?:\/\/[^\s"'<>\\)]+X-Amz-Signature=[0-9a-f]+/g)]
    .map((match) => match[0])
    .map((url) => new URL(url));

/** Expires at most `maxSeconds` after it was signed, and was signed just now. */
function expectShortLived(url: URL, maxSeconds = 600) {
  const expires = Number(url.searchParams.get("X-Amz-Expires"));
  const signed = url.searchParams.get("X-Amz-Date")!;
  const signedAt = Date.parse(
    signed.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  expect(expires, url.pathname).toBeGreaterThan(0);
  expect(expires, url.pathname).toBeLessThanOrEqual(maxSeconds);
  expect(Math.abs(Date.now() - signedAt)).toBeLessThan(60_000);
}

describe("presigned URLs", () => {
  it("carry the expiry they were minted with", async () => {
    const url = new URL(await presignGet(`videos/${id}/video.mp4`, 1));
    expect(url.searchParams.get("X-Amz-Expires")).toBe("1");
    expectShortLived(url, 1);
  });

  it("from the API and the pages all expire within 10 minutes", async () => {
    const cookie = await signInCookie(key);
    const share = await api(`/api/videos/${id}/shares`, {
      credential: key,
      json: { expiresIn: 3600 },
    });
    // Frames are extracted after the video completes.
    await waitFor(
      async () => {
        const { media } = (await api(`/api/videos/${id}`, { credential: key })).body;
        return media.firstFrame && media.lastFrame;
      },
      { timeoutMs: 90_000, what: "the first and last frames" },
    );
    const urls: URL[] = [];
    for (const path of [`/api/videos/${id}`, "/api/videos"]) {
      urls.push(...presignedUrls(JSON.stringify((await api(path, { credential: key })).body)));
    }
    for (const path of [`/api/videos/${id}/frames/first`, `/api/videos/${id}/frames/last`]) {
      const reply = await api(path, { credential: key });
      expect(reply.status).toBe(302);
      urls.push(new URL(reply.headers.get("location")!));
    }
    for (const path of ["/", `/videos/${id}`, "/jobs.json"]) {
      const page = await fetch(`${stack.url}${path}`, { headers: { cookie } });
      expect(page.status, path).toBe(200);
      urls.push(...presignedUrls(await page.text()));
    }
    const download = await fetch(`${stack.url}/videos/${id}/download`, {
      headers: { cookie },
      redirect: "manual",
    });
    urls.push(new URL(download.headers.get("location")!));
    urls.push(...presignedUrls(await (await visit(share.body.share.token)).text()));

    // The video, thumbnail, sprite sheet and both frames, each from several places.
    expect(urls.length).toBeGreaterThanOrEqual(10);
    for (const url of urls) expectShortLived(url);
  });
});
