// A corpus of hostile and malformed input, thrown at every route that takes any: each gets a 4xx
// JSON answer and leaves the tables, the bucket and the queues exactly as they were.
import { beforeAll, describe, expect, it } from "vitest";
import { api, newKey, useStackEnvironment, type ApiReply } from "../../support/api";
import { footprint, quiet } from "../../support/footprint";
import { completedVideo, VIDEO } from "../../support/videos";

const key = newKey();
let id: string;

beforeAll(async () => {
  useStackEnvironment();
  id = await completedVideo(key);
});

/** Ids and tokens that try to escape a path, a query or a page. */
const HOSTILE = [
  "../../etc/passwd",
  "%2e%2e%2f",
  "..%2f..%2fetc%2fpasswd",
  "' OR 1=1 --",
  '"; DROP TABLE Jobs; --',
  "<script>alert(1)</script>",
  "ümlaut-✓-🙂",
  "nul\u0000byte",
  "a".repeat(2000),
];

type Call = () => Promise<ApiReply>;

const videoFields = Object.fromEntries(
  Object.entries(VIDEO).map(([name, value]) => [name, String(value)]),
);

const multipart = (fields: Record<string, string | Blob>) => {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return form;
};

const corpus: [string, Call][] = [
  ...HOSTILE.flatMap((bad): [string, Call][] => [
    [
      `GET video ${JSON.stringify(bad)}`,
      () => api(`/api/videos/${encodeURIComponent(bad)}`, { credential: key }),
    ],
    [
      `DELETE video ${JSON.stringify(bad)}`,
      () => api(`/api/videos/${encodeURIComponent(bad)}`, { method: "DELETE", credential: key }),
    ],
    [
      `remix ${JSON.stringify(bad)}`,
      () =>
        api(`/api/videos/${encodeURIComponent(bad)}/remix`, {
          credential: key,
          json: { prompt: "Night" },
        }),
    ],
    [
      `frame ${JSON.stringify(bad)}`,
      () => api(`/api/videos/${id}/frames/${encodeURIComponent(bad)}`, { credential: key }),
    ],
    [
      `revoke token ${JSON.stringify(bad)}`,
      () =>
        api(`/api/videos/${id}/shares/${encodeURIComponent(bad)}`, {
          method: "DELETE",
          credential: key,
        }),
    ],
    [
      `list cursor ${JSON.stringify(bad)}`,
      () => api(`/api/videos?cursor=${encodeURIComponent(bad)}`, { credential: key }),
    ],
  ]),
  [
    "create: prompt a number",
    () => api("/api/videos", { credential: key, json: { ...VIDEO, prompt: 5 } }),
  ],
  [
    "create: seconds a word",
    () => api("/api/videos", { credential: key, json: { ...VIDEO, seconds: "four" } }),
  ],
  [
    "create: unknown model",
    () => api("/api/videos", { credential: key, json: { ...VIDEO, model: "sora-9" } }),
  ],
  [
    "create: unknown size",
    () => api("/api/videos", { credential: key, json: { ...VIDEO, size: "1x1" } }),
  ],
  [
    "create: unknown provider",
    () => api("/api/videos", { credential: key, json: { ...VIDEO, provider: "<script>" } }),
  ],
  [
    "create: prompt too long",
    () => api("/api/videos", { credential: key, json: { ...VIDEO, prompt: "x".repeat(4001) } }),
  ],
  ["create: null", () => api("/api/videos", { credential: key, json: null })],
  ["create: an array", () => api("/api/videos", { credential: key, json: [VIDEO] })],
  [
    "create: fields null",
    () =>
      api("/api/videos", {
        credential: key,
        json: { prompt: null, model: null, seconds: null, size: null },
      }),
  ],
  [
    "create: not JSON",
    () =>
      api("/api/videos", {
        credential: key,
        body: "{prompt:",
        headers: { "content-type": "application/json" },
      }),
  ],
  [
    "remix: prompt too long",
    () => api(`/api/videos/${id}/remix`, { credential: key, json: { prompt: "x".repeat(4001) } }),
  ],
  [
    "remix: prompt an object",
    () => api(`/api/videos/${id}/remix`, { credential: key, json: { prompt: { $ne: "" } } }),
  ],
  [
    "share: expiry a word",
    () => api(`/api/videos/${id}/shares`, { credential: key, json: { expiresIn: "soon" } }),
  ],
  [
    "share: expiry negative",
    () => api(`/api/videos/${id}/shares`, { credential: key, json: { expiresIn: -1 } }),
  ],
  [
    "share: expiry beyond 30 days",
    () => api(`/api/videos/${id}/shares`, { credential: key, json: { expiresIn: 1e12 } }),
  ],
  [
    "improve: prompt too long",
    () => api("/api/prompts/improve", { credential: key, json: { prompt: "x".repeat(4001) } }),
  ],
  [
    "improve: prompt a list",
    () => api("/api/prompts/improve", { credential: key, json: { prompt: ["a"] } }),
  ],
  [
    "upload: not an image",
    () =>
      api("/api/videos", {
        credential: key,
        form: multipart({
          ...videoFields,
          input_reference: new Blob(["<svg onload=alert(1)>"], { type: "image/png" }),
        }),
      }),
  ],
  [
    "upload: oversized",
    () =>
      api("/api/videos", {
        credential: key,
        form: multipart({
          ...videoFields,
          input_reference: new Blob([new Uint8Array(5 * 1024 * 1024)], { type: "image/png" }),
        }),
      }),
  ],
  [
    "image: prompt too long",
    () =>
      api("/api/images", {
        credential: key,
        json: { prompt: "x".repeat(4001), size: "1280x720" },
      }),
  ],
  [
    "image: unknown size",
    () => api("/api/images", { credential: key, json: { prompt: "A kite", size: "../../x" } }),
  ],
  [
    "create: malformed multipart",
    () =>
      api("/api/videos", {
        credential: key,
        body: "--y\r\n\r\n",
        headers: { "content-type": "multipart/form-data; boundary=x" },
      }),
  ],
];

describe("bad input", () => {
  it.each(corpus)("%s: 4xx JSON, nothing written", async (_, call) => {
    await quiet();
    const before = await footprint();
    const reply = await call();
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(reply.headers.get("content-type")).toContain("application/json");
    expect(typeof reply.body).toBe("object");
    expect(await footprint()).toEqual(before);
  });

  it("a body over 10 MB is refused with 413, nothing written", async () => {
    await quiet();
    const before = await footprint();
    // The gateway answers as soon as it sees the length, and may close before the upload ends:
    // the client then sees EPIPE instead of the answer, so it tries again.
    let reply: ApiReply | undefined;
    for (let attempt = 0; attempt < 5 && !reply; attempt++) {
      reply = await api("/api/videos", {
        credential: key,
        json: { ...VIDEO, prompt: "x".repeat(10 * 1024 * 1024 + 1) },
      }).catch(() => undefined);
    }
    expect(reply?.status).toBe(413);
    expect(reply?.headers.get("content-type")).toContain("application/json");
    expect(await footprint()).toEqual(before);
  });
});
