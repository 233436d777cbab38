// Cross-site request forgery: a request riding on the session cookie that changes anything must
// come from Takes' own pages. The API answers 403 to a foreign Origin (session-api.test.ts covers
// create and delete); here every changing route is tried, and the site's form actions too.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { footprint, quiet } from "../../support/footprint";
import { signInCookie } from "../../support/session";
import { completedVideo, VIDEO } from "../../support/videos";

const stack = inject("stack");
const EVIL = "http://evil.example";
const key = newKey();
let id: string;
let token: string;
let cookie: string;

beforeAll(async () => {
  useStackEnvironment();
  id = await completedVideo(key);
  const share = await api(`/api/videos/${id}/shares`, {
    credential: key,
    json: { expiresIn: 3600 },
  });
  token = share.body.share.token;
  cookie = await signInCookie(key);
});

const fill = (path: string) => path.replace("{id}", id).replace("{token}", token);

describe("a cookie-authenticated change from a foreign Origin", () => {
  it.each([
    ["POST", "/api/videos", VIDEO],
    ["POST", "/api/videos/{id}/remix", { prompt: "Make it night" }],
    ["POST", "/api/videos/{id}/shares", { expiresIn: 3600 }],
    ["DELETE", "/api/videos/{id}/shares/{token}", undefined],
    ["DELETE", "/api/videos/{id}", undefined],
    ["POST", "/api/prompts/improve", { prompt: "A kite" }],
  ])("is refused: %s %s", async (method, path, json) => {
    await quiet();
    const before = await footprint();
    const reply = await api(fill(path), { method, json, headers: { cookie, origin: EVIL } });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("cross_origin");
    expect(await footprint()).toEqual(before);
    const shares = await api(`/api/videos/${id}/shares`, { credential: key });
    expect(shares.body.shares).toMatchObject([{ token, revoked: false }]);
  });
});

describe("a cross-site post to the site's form actions", () => {
  /** A form another site's page submits, with the victim's cookie riding along. */
  const crossSitePost = (path: string, fields: Record<string, string>) =>
    fetch(`${stack.url}${path}`, {
      method: "POST",
      headers: {
        cookie,
        origin: EVIL,
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html",
      },
      body: new URLSearchParams(fields),
      redirect: "manual",
    });

  it.each([
    ["/new?/create", Object.fromEntries(Object.entries(VIDEO).map(([k, v]) => [k, String(v)]))],
    ["/new?/improve", { prompt: "A kite" }],
    [`/videos/{id}?/remix`, { prompt: "Make it night" }],
    [`/videos/{id}?/share`, { expiresIn: "3600" }],
    [`/videos/{id}?/revokeShare`, { token: "{token}" }],
    [`/videos/{id}?/delete`, {}],
    ["/sign-out", {}],
    ["/sign-in", { credential: newKey(), next: "/" }],
  ])("is refused with 403: %s", async (path, fields: Record<string, string>) => {
    await quiet();
    const before = await footprint();
    const filled = Object.fromEntries(
      Object.entries(fields).map(([name, value]) => [name, value.replace("{token}", token)]),
    );
    const response = await crossSitePost(path.replace("{id}", id), filled);
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await footprint()).toEqual(before);
    expect((await api(`/api/videos/${id}`, { credential: key })).status).toBe(200);
    const shares = await api(`/api/videos/${id}/shares`, { credential: key });
    expect(shares.body.shares).toMatchObject([{ token, revoked: false }]);
  });
});
