// Every route and page is scoped to its owner: to anyone else another's video, its frames, its
// shares, its page and its download do not exist (404, never 403, which would confirm the id),
// and their own library is empty. The owner's video and link are untouched afterwards.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { signInCookie } from "../../support/session";
import { completedVideo } from "../../support/videos";

const stack = inject("stack");
const owner = newKey();
const stranger = newKey();
let id: string;
let token: string;
let strangerCookie: string;

beforeAll(async () => {
  useStackEnvironment();
  id = await completedVideo(owner);
  const share = await api(`/api/videos/${id}/shares`, {
    credential: owner,
    json: { expiresIn: 3600 },
  });
  expect(share.status).toBe(201);
  token = share.body.share.token;
  strangerCookie = await signInCookie(stranger);
});

const fill = (path: string) => path.replace("{id}", id).replace("{token}", token);

describe("another owner", () => {
  it.each([
    ["GET", "/api/videos/{id}", undefined],
    ["DELETE", "/api/videos/{id}", undefined],
    ["POST", "/api/videos/{id}/remix", { prompt: "Make it night" }],
    ["GET", "/api/videos/{id}/frames/first", undefined],
    ["GET", "/api/videos/{id}/frames/last", undefined],
    ["GET", "/api/videos/{id}/shares", undefined],
    ["POST", "/api/videos/{id}/shares", { expiresIn: 3600 }],
    ["DELETE", "/api/videos/{id}/shares/{token}", undefined],
  ])("gets 404 for %s %s", async (method, path, json) => {
    const reply = await api(fill(path), { method, credential: stranger, json });
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("not_found");
  });

  it("sees an empty library", async () => {
    const reply = await api("/api/videos", { credential: stranger });
    expect(reply.status).toBe(200);
    expect(reply.body.jobs).toEqual([]);
  });

  it("gets 404 for the job page and its download", async () => {
    for (const path of [`/videos/${id}`, `/videos/${id}/download`]) {
      const response = await fetch(`${stack.url}${path}`, {
        headers: { cookie: strangerCookie },
        redirect: "manual",
      });
      expect(response.status, path).toBe(404);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  it("left the owner's video and link as they were", async () => {
    const mine = await api(`/api/videos/${id}`, { credential: owner });
    expect(mine.status).toBe(200);
    expect(mine.body.status).toBe("completed");
    const shares = await api(`/api/videos/${id}/shares`, { credential: owner });
    expect(shares.body.shares).toMatchObject([{ token, revoked: false, views: 0 }]);
    const download = await fetch(`${stack.url}/videos/${id}/download`, {
      headers: { cookie: await signInCookie(owner) },
      redirect: "manual",
    });
    expect(download.status).toBe(302);
  });
});
