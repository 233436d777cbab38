// The site's session cookie on the HTTP API: it authenticates like a bearer credential, and a
// request it authenticates that changes anything must carry this origin's Origin header (CSRF).
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, newKey } from "../support/api";
import { signInCookie } from "../support/session";

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
