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
  "%00",
  "..\\..\\windows\\win.ini",
  "${jndi:ldap://127.0.0.1/a}",
  "{{7*7}}",
  "javascript:alert(1)",
  "\u202egnp.exe",
  // Shaped like a video id, but no such video.
  "01JD0000000000000000000000",
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
  ...(
    [
      ["seconds negative", { seconds: -4 }],
      ["seconds zero", { seconds: 0 }],
      ["seconds a fraction", { seconds: 4.5 }],
      ["seconds enormous", { seconds: 1e9 }],
      ["seconds with a space", { seconds: "4 " }],
      ["size with a trailing space", { size: "1280x720 " }],
      ["size in capitals", { size: "1280X720" }],
      ["size empty", { size: "" }],
      ["model empty", { model: "" }],
      ["prompt empty", { prompt: "" }],
      ["prompt only spaces", { prompt: "   " }],
      ["sound a maybe", { sound: "maybe" }],
      ["provider empty", { provider: "" }],
      ["provider with a trailing space", { provider: "openai " }],
      ["referenceKey a traversal", { referenceKey: "../../etc/passwd" }],
      [
        "referenceKey another owner's image",
        { referenceKey: "references/someone-else/01JD0000000000000000000000.png" },
      ],
      [
        "lastFrameKey without a first frame",
        { lastFrameKey: "references/someone-else/01JD0000000000000000000000.png" },
      ],
      ["prompt nested arrays", { prompt: [[[["deep"]]]] }],
    ] as [string, Record<string, unknown>][]
  ).map(([name, fields]): [string, Call] => [
    `create: ${name}`,
    () => api("/api/videos", { credential: key, json: { ...VIDEO, ...fields } }),
  ]),
  [
    "create: an empty JSON body",
    () =>
      api("/api/videos", {
        credential: key,
        body: "",
        headers: { "content-type": "application/json" },
      }),
  ],
  [
    "create: a prototype-polluting body",
    () =>
      api("/api/videos", {
        credential: key,
        body: '{"__proto__":{"admin":true},"prompt":null}',
        headers: { "content-type": "application/json" },
      }),
  ],
  [
    "create: an Idempotency-Key over 255 characters",
    () =>
      api("/api/videos", {
        credential: key,
        json: VIDEO,
        headers: { "idempotency-key": "k".repeat(256) },
      }),
  ],
  [
    "create: an Idempotency-Key with a tab",
    () =>
      api("/api/videos", { credential: key, json: VIDEO, headers: { "idempotency-key": "a\tb" } }),
  ],
  [
    "remix: prompt empty",
    () => api(`/api/videos/${id}/remix`, { credential: key, json: { prompt: "" } }),
  ],
  ["remix: no prompt", () => api(`/api/videos/${id}/remix`, { credential: key, json: {} })],
  [
    "remix: not JSON",
    () =>
      api(`/api/videos/${id}/remix`, {
        credential: key,
        body: "prompt=Night",
        headers: { "content-type": "application/json" },
      }),
  ],
  [
    "remix: an Idempotency-Key over 255 characters",
    () =>
      api(`/api/videos/${id}/remix`, {
        credential: key,
        json: { prompt: "Night" },
        headers: { "idempotency-key": "k".repeat(256) },
      }),
  ],
  ...(
    [
      ["under an hour", 59],
      ["a fraction", 3600.5],
      ["with a unit", "3600s"],
      ["in exponent form", "1e4"],
      ["null", null],
    ] as [string, unknown][]
  ).map(([name, expiresIn]): [string, Call] => [
    `share: expiry ${name}`,
    () => api(`/api/videos/${id}/shares`, { credential: key, json: { expiresIn } }),
  ]),
  ["share: no expiry", () => api(`/api/videos/${id}/shares`, { credential: key, json: {} })],
  [
    "share: a video that does not exist",
    () =>
      api("/api/videos/01JD0000000000000000000000/shares", {
        credential: key,
        json: { expiresIn: 3600 },
      }),
  ],
  ...["limit=0", "limit=1000", "limit=abc", "limit=-1", "status=bogus", "status=%3Cscript%3E"].map(
    (query): [string, Call] => [
      `list: ${query}`,
      () => api(`/api/videos?${query}`, { credential: key }),
    ],
  ),
  ...(
    [
      ["prompt empty", { prompt: "" }],
      ["no prompt", {}],
      ["a size no video has", { prompt: "A kite", size: "9x9" }],
      ["an unknown model", { prompt: "A kite", model: "nope" }],
      ["a duration no model takes", { prompt: "A kite", seconds: 999 }],
    ] as [string, Record<string, unknown>][]
  ).map(([name, json]): [string, Call] => [
    `improve: ${name}`,
    () => api("/api/prompts/improve", { credential: key, json }),
  ]),
  ...(
    [
      ["prompt empty", { prompt: "", size: "1280x720" }],
      ["no size", { prompt: "A kite" }],
      ["a size with three sides", { prompt: "A kite", size: "1280x720x1" }],
    ] as [string, Record<string, unknown>][]
  ).map(([name, json]): [string, Call] => [
    `image: ${name}`,
    () => api("/api/images", { credential: key, json }),
  ]),
  [
    "image: not JSON",
    () =>
      api("/api/images", {
        credential: key,
        body: "{size:",
        headers: { "content-type": "application/json" },
      }),
  ],
  ["frame: middle", () => api(`/api/videos/${id}/frames/middle`, { credential: key })],
  [
    "webhook: unsigned",
    () =>
      api("/api/webhooks/openai", {
        body: JSON.stringify({ type: "video.completed", data: { id: "video_x" } }),
        headers: { "content-type": "application/json" },
      }),
  ],
  [
    "create: JSON over 64 KiB, refused before it is parsed",
    () =>
      api("/api/videos", {
        credential: key,
        json: { ...VIDEO, padding: "x".repeat(65 * 1024) },
      }),
  ],
  [
    "create: a multipart of 500 tiny fields, refused before it is parsed",
    () =>
      api("/api/videos", {
        credential: key,
        form: multipart(
          Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`f${index}`, "x"])),
        ),
      }),
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
