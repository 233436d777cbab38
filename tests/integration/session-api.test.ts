// The site's session cookie on the HTTP API: it authenticates like a bearer credential, and a
// request it authenticates that changes anything must carry this origin's Origin header (CSRF).
import { beforeAll, describe, expect, inject, it } from "vitest";
import { MEDIA_FILES, MEDIA_VARIANTS, type MediaVariant } from "#core/media/layout";
import { CARD_MEDIA } from "#core/videos/card-media";
import type { PublicJob } from "#core/videos/view";
import { api, newKey } from "../support/api";
import { signInCookie } from "../support/session";
import { completedVideo } from "../support/videos";
import { waitFor } from "../support/wait";

const stack = inject("stack");

const video = { prompt: "A kite over a beach", model: "sora-2", seconds: 4, size: "1280x720" };

describe("the session cookie on the API", () => {
  const key = newKey();
  let cookie: string;

  beforeAll(async () => {
    cookie = await signInCookie(key);
  });

  it("reads the caller's library, the same one their key finds", async () => {
    const created = await api("/api/videos", { credential: key, json: video });
    expect(created.status).toBe(202);
    const listed = await api("/api/videos", { headers: { cookie } });
    expect(listed.status).toBe(200);
    expect(listed.body.jobs.map((job: { id: string }) => job.id)).toContain(created.body.id);
    const one = await api(`/api/videos/${created.body.id}`, { headers: { cookie } });
    expect(one.status).toBe(200);
  });

  it("refuses a change without this origin's Origin header", async () => {
    const crossSite: Record<string, string>[] = [
      {},
      { origin: "https://evil.example" },
      { origin: "null" },
    ];
    for (const headers of crossSite) {
      const reply = await api("/api/videos", { json: video, headers: { cookie, ...headers } });
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("cross_origin");
    }
    const created = await api("/api/videos", {
      json: video,
      headers: { cookie, origin: stack.url },
    });
    expect(created.status).toBe(202);
    const refused = await api(`/api/videos/${created.body.id}`, {
      method: "DELETE",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(refused.status).toBe(403);
    const deleted = await api(`/api/videos/${created.body.id}`, {
      method: "DELETE",
      headers: { cookie, origin: stack.url },
    });
    expect(deleted.status).toBe(204);
  });

  it("a bearer credential needs no Origin, and takes precedence over the cookie", async () => {
    const other = newKey();
    const created = await api("/api/videos", {
      credential: other,
      json: video,
      headers: { cookie },
    });
    expect(created.status).toBe(202);
    const mine = await api(`/api/videos/${created.body.id}`, { headers: { cookie } });
    expect(mine.status).toBe(404);
  });

  it("a tampered or absent cookie is a 401", async () => {
    const tampered = `${cookie.slice(0, -4)}AAAA`;
    expect((await api("/api/videos", { headers: { cookie: tampered } })).status).toBe(401);
    expect((await api("/api/videos")).status).toBe(401);
  });

  it("the site's own forms refuse cross-site posts, and bad sign-ins set no cookie", async () => {
    const crossSite = await fetch(`${stack.url}/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
      },
      body: new URLSearchParams({ credential: newKey() }),
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);
    const wrong = await fetch(`${stack.url}/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html",
        origin: stack.url,
      },
      body: new URLSearchParams({ credential: "no-such-code" }),
      redirect: "manual",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it("signed-out pages redirect to sign-in, and the data endpoint answers 401", async () => {
    const page = await fetch(`${stack.url}/videos/01JAAAAAAAAAAAAAAAAAAAAAAA`, {
      redirect: "manual",
    });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(
      "/sign-in?next=%2Fvideos%2F01JAAAAAAAAAAAAAAAAAAAAAAA",
    );
    const data = await fetch(`${stack.url}/jobs.json?ids=01JAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(data.status).toBe(401);
    const mine = await fetch(`${stack.url}/jobs.json?ids=01JAAAAAAAAAAAAAAAAAAAAAAA`, {
      headers: { cookie },
    });
    expect(await mine.json()).toEqual({ jobs: [] });
  });
});

/** The caller's job through the API once its first and last frames are extracted too. */
const withFrames = (credential: string, id: string) =>
  waitFor(
    async () => {
      const { body } = await api<PublicJob>(`/api/videos/${id}`, { credential });
      return body.media.firstFrame && body.media.lastFrame ? body : undefined;
    },
    { timeoutMs: 180_000, what: `${id} to complete with its frames` },
  );

/** The files a page links with a presigned URL, each once: `{jobId}/{file}`, e.g. `…/first.png`. */
const presignedFiles = (html: string) => [
  ...new Set(
    [...html.matchAll(/\/([0-9A-Z]{26})\/([\w.]+)\?[^"'\s<>]*X-Amz-Signature=/g)]
      .map(([, id, file]) => `${id}/${file}`)
      .sort(),
  ),
];

const filesOf = (id: string, variants: readonly MediaVariant[]) =>
  variants.map((variant) => `${id}/${MEDIA_FILES[variant].file}`);

describe("the site mints media URLs only for what each view shows", () => {
  const key = newKey();
  let cookie: string;
  let parent: PublicJob;
  let child: PublicJob;

  beforeAll(async () => {
    cookie = await signInCookie(key);
    parent = await withFrames(key, await completedVideo(key));
    const remix = await api(`/api/videos/${parent.id}/remix`, {
      credential: key,
      json: { prompt: "The same kites at dusk" },
    });
    expect(remix.status).toBe(202);
    child = await withFrames(key, remix.body.id);
  }, 300_000);

  const poll = async (query: string) => {
    const reply = await fetch(`${stack.url}/jobs.json?${query}`, { headers: { cookie } });
    expect(reply.status, query).toBe(200);
    return ((await reply.json()) as { jobs: PublicJob[] }).jobs;
  };

  it("the live poll answers cards by default, and every file's URL with media=all", async () => {
    const described = (job: PublicJob, variant: MediaVariant) => ({
      contentType: job.media[variant]!.contentType,
      bytes: job.media[variant]!.bytes,
    });
    const withUrl = (job: PublicJob, variant: MediaVariant) => ({
      ...described(job, variant),
      url: expect.stringContaining("X-Amz-Signature="),
    });
    const cards = await poll(`ids=${parent.id},${child.id}`);
    expect(cards.map((job) => job.id).sort()).toEqual([parent.id, child.id].sort());
    for (const card of cards) {
      const job = card.id === parent.id ? parent : child;
      expect(card.media).toEqual(
        Object.fromEntries(
          MEDIA_VARIANTS.map((variant) => [
            variant,
            (CARD_MEDIA as readonly MediaVariant[]).includes(variant)
              ? withUrl(job, variant)
              : described(job, variant),
          ]),
        ),
      );
    }
    // The same files as by default; the URLs' signatures differ from second to second.
    const unsigned = (media: PublicJob["media"]) =>
      Object.fromEntries(
        Object.entries(media).map(([variant, file]) => [
          variant,
          file && "url" in file ? { ...file, url: file.url.split("?")[0] } : file,
        ]),
      );
    expect(unsigned((await poll(`ids=${parent.id}&media=card`))[0]!.media)).toEqual(
      unsigned(cards.find((card) => card.id === parent.id)!.media),
    );

    const [full] = await poll(`ids=${parent.id}&media=all`);
    expect(full!.media).toEqual(
      Object.fromEntries(MEDIA_VARIANTS.map((variant) => [variant, withUrl(parent, variant)])),
    );

    const unknown = await fetch(`${stack.url}/jobs.json?ids=${parent.id}&media=some`, {
      headers: { cookie },
    });
    expect(unknown.status).toBe(400);
  });

  it("a job page links every file of its take, and only the card files of its lineage", async () => {
    const page = async (id: string) => {
      const reply = await fetch(`${stack.url}/videos/${id}`, { headers: { cookie } });
      expect(reply.status).toBe(200);
      return reply.text();
    };
    const parentPage = await page(parent.id);
    expect(parentPage).toContain(`data-job-id="${child.id}"`);
    expect(presignedFiles(parentPage)).toEqual(
      [...filesOf(parent.id, MEDIA_VARIANTS), ...filesOf(child.id, CARD_MEDIA)].sort(),
    );
    const childPage = await page(child.id);
    expect(childPage).toContain(`data-job-id="${parent.id}"`);
    expect(presignedFiles(childPage)).toEqual(
      [...filesOf(child.id, MEDIA_VARIANTS), ...filesOf(parent.id, CARD_MEDIA)].sort(),
    );
  });
});
