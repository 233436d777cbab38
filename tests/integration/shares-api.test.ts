import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, newKey, useStackEnvironment } from "../support/api";
import { waitFor } from "../support/wait";

beforeAll(useStackEnvironment);

const HOUR = 3600;

/** A finished video of the credential's (the emulator renders it in ~1.5 s). */
async function completedVideo(credential: string): Promise<string> {
  const { status, body } = await api("/api/videos", {
    credential,
    json: {
      prompt: "A lighthouse beam sweeps a foggy bay",
      model: "sora-2",
      seconds: 4,
      size: "1280x720",
    },
  });
  expect(status).toBe(202);
  await waitFor(
    async () => {
      const { body: job } = await api(`/api/videos/${body.id}`, { credential });
      return job.status === "completed" && job.media.thumbnail ? job : undefined;
    },
    { timeoutMs: 90_000, what: "the video to be completed with its thumbnail" },
  );
  return body.id as string;
}

/** The share page as a link preview or a browser fetches it: no credential, no cookie. */
const sharePage = (path: string) =>
  fetch(`${inject("stack").url}/s/${path}`, { redirect: "manual" });

/** The `content` of a `<meta property|name="…">` tag, entities decoded as a parser would. */
function meta(html: string, key: string): string | undefined {
  const tag = new RegExp(`<meta[^>]*(?:property|name)="${key}"[^>]*>`).exec(html)?.[0];
  return tag && /content="([^"]*)"/.exec(tag)?.[1]?.replaceAll("&amp;", "&");
}

let owner: string;
let videoId: string;
beforeAll(async () => {
  owner = newKey();
  videoId = await completedVideo(owner);
});

describe("share links", () => {
  it("POST answers 201 with the link on this origin", async () => {
    const before = Date.now();
    const { status, body } = await api(`/api/videos/${videoId}/shares`, {
      credential: owner,
      json: { expiresIn: HOUR },
    });
    expect(status).toBe(201);
    expect(body.share).toMatchObject({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      views: 0,
      revoked: false,
    });
    expect(body.share.url).toBe(`${inject("stack").url}/s/${body.share.token}`);
    const expiresAt = Date.parse(body.share.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + HOUR * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + HOUR * 1000 + 1000);
  });

  it("refuses expiries outside 1 hour to 30 days, and bodies without one", async () => {
    for (const json of [{ expiresIn: 60 }, { expiresIn: 31 * 24 * HOUR }, {}, { expiresIn: "x" }]) {
      const { status, body } = await api(`/api/videos/${videoId}/shares`, {
        credential: owner,
        json,
      });
      expect(status, JSON.stringify(json)).toBe(400);
      expect(body.error.code).toMatch(/invalid/);
    }
  });

  it("the page plays the video from a URL of a few minutes and carries preview tags", async () => {
    const { body } = await api(`/api/videos/${videoId}/shares`, {
      credential: owner,
      json: { expiresIn: HOUR },
    });
    const response = await sharePage(body.share.token);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("no-store");
    const html = await response.text();
    expect(html).toContain("A lighthouse beam sweeps a foggy bay");
    expect(html).toMatch(/<video[^>]*controls[^>]*playsinline/);

    const source = /<source src="([^"]+)" type="video\/mp4"/
      .exec(html)?.[1]
      ?.replaceAll("&amp;", "&");
    expect(source).toBeDefined();
    const videoUrl = new URL(source!);
    expect(Number(videoUrl.searchParams.get("X-Amz-Expires"))).toBeGreaterThan(0);
    expect(Number(videoUrl.searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(600);
    const video = await fetch(videoUrl);
    expect(video.status).toBe(200);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    expect(meta(html, "og:title")).toContain("lighthouse");
    expect(meta(html, "og:description")).toContain("foggy bay");
    expect(meta(html, "og:video")).toBe(source);
    expect(meta(html, "twitter:card")).toBe("summary_large_image");
    const image = meta(html, "og:image");
    expect(image).toBeDefined();
    expect(Number(new URL(image!).searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(600);
    const poster = await fetch(image!);
    expect(poster.status).toBe(200);
    expect(poster.headers.get("content-type")).toMatch(/^image\//);
    expect(html).toMatch(/<video[^>]*poster="[^"]+"/);
  });

  it("lists the links newest first with their view counts", async () => {
    const { body: created } = await api(`/api/videos/${videoId}/shares`, {
      credential: owner,
      json: { expiresIn: 24 * HOUR },
    });
    const token = created.share.token as string;
    for (let view = 0; view < 2; view++) expect((await sharePage(token)).status).toBe(200);
    const { status, body } = await api(`/api/videos/${videoId}/shares`, { credential: owner });
    expect(status).toBe(200);
    expect(body.shares[0]).toMatchObject({ token, views: 2, revoked: false, expired: false });
    const times = body.shares.map((share: { createdAt: string }) => share.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it("a revoked link answers 410 with a friendly page", async () => {
    const { body } = await api(`/api/videos/${videoId}/shares`, {
      credential: owner,
      json: { expiresIn: HOUR },
    });
    const token = body.share.token as string;
    const revoked = await api(`/api/videos/${videoId}/shares/${token}`, {
      method: "DELETE",
      credential: owner,
    });
    expect(revoked.status).toBe(204);
    const response = await sharePage(token);
    expect(response.status).toBe(410);
    const html = await response.text();
    expect(html).toContain("This link has expired or was revoked");
    expect(html).not.toContain("<video");
    const { body: listed } = await api(`/api/videos/${videoId}/shares`, { credential: owner });
    expect(listed.shares.find((share: { token: string }) => share.token === token)).toMatchObject({
      revoked: true,
    });
  });

  it("a guessed, malformed or path-traversing token is a 404 that reveals nothing", async () => {
    const guessed = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    const pages = await Promise.all(
      [guessed, "short", "..%2F..%2Fapi%2Fhealth", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"].map(sharePage),
    );
    const bodies = await Promise.all(pages.map((page) => page.text()));
    for (const [index, page] of pages.entries()) {
      expect(page.status, String(index)).toBe(404);
      expect(bodies[index]).toContain("There is nothing at this address");
      expect(bodies[index]).not.toMatch(/expired|revoked/i);
    }
  });

  it("another owner gets 404 on create, list and revoke, and the link keeps working", async () => {
    const { body } = await api(`/api/videos/${videoId}/shares`, {
      credential: owner,
      json: { expiresIn: HOUR },
    });
    const token = body.share.token as string;
    const stranger = newKey();
    const create = await api(`/api/videos/${videoId}/shares`, {
      credential: stranger,
      json: { expiresIn: HOUR },
    });
    const list = await api(`/api/videos/${videoId}/shares`, { credential: stranger });
    const revoke = await api(`/api/videos/${videoId}/shares/${token}`, {
      method: "DELETE",
      credential: stranger,
    });
    expect([create.status, list.status, revoke.status]).toEqual([404, 404, 404]);
    expect((await sharePage(token)).status).toBe(200);
  });

  it("needs a credential to create, list or revoke", async () => {
    const create = await api(`/api/videos/${videoId}/shares`, { json: { expiresIn: HOUR } });
    const list = await api(`/api/videos/${videoId}/shares`);
    expect([create.status, list.status]).toEqual([401, 401]);
  });
});
