// Access codes cannot spend the operator's keys on the prompt and image tools without limit: each
// code has a tool budget, and a code whose budget or video seconds are used up, or that was revoked
// or has expired, is refused on both tools, by the API and by the site's forms, with nothing
// written. An exhausted code still signs in to watch, download and share what it made.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findAccessCode, issueAccessCode, revokeAccessCode } from "#core/access-codes";
import { accessCodeHash } from "#core/identity";
import { reserveSeconds } from "#core/quota";
import { api, useStackEnvironment } from "../../support/api";
import { footprint, quiet } from "../../support/footprint";
import { signInCookie } from "../../support/session";
import { completedVideo, VIDEO } from "../../support/videos";

const stack = inject("stack");
beforeAll(useStackEnvironment);

/** A fresh code, issued the way `npm run codes -- add` issues one. */
async function newCode(fields: { quotaSeconds?: number; toolUses?: number; expiresAt?: Date }) {
  const code = `take-test-${randomBytes(6).toString("hex")}`;
  await issueAccessCode(code, {
    label: `tools ${code.slice(-6)}`,
    quotaSeconds: fields.quotaSeconds ?? 60,
    quotaToolUses: fields.toolUses,
    expiresAt: fields.expiresAt,
  });
  return code;
}

const TOOLS = [
  ["/api/prompts/improve", { prompt: "A kite over a windy beach" }],
  ["/api/images", { prompt: "A red kite against a grey sky", size: "1280x720" }],
] as const;

/** Calls both tools with `code`: each must be refused as expected, and nothing may change. */
async function refusedOnBothTools(code: string, status: number, errorCode: string, words: RegExp) {
  await quiet();
  const before = { written: await footprint(), stored: await findAccessCode(code) };
  for (const [path, json] of TOOLS) {
    const reply = await api(path, { credential: code, json });
    expect(reply.status, path).toBe(status);
    expect(reply.body.error.code, path).toBe(errorCode);
    expect(reply.body.error.message, path).toMatch(words);
  }
  // No image stored, no job, nothing queued; the code's budget and seconds as they were.
  expect(await footprint()).toEqual(before.written);
  expect(await findAccessCode(code)).toEqual(before.stored);
}

const emulatorFaults = (faults?: object) =>
  fetch(`${stack.providerUrl}/_emulator/faults`, {
    method: faults ? "POST" : "DELETE",
    headers: { "content-type": "application/json" },
    body: faults ? JSON.stringify(faults) : undefined,
  });

/** A form post to the create page, as a browser without JavaScript sends it. */
const formPost = (action: string, cookie: string, fields: Record<string, string>) =>
  fetch(`${stack.url}/new?/${action}`, {
    method: "POST",
    headers: {
      cookie,
      origin: stack.url,
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
    },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });

describe("the prompt and image tools on an access code", () => {
  it("take from the code's tool budget: a rewrite 1 use, an image 5", async () => {
    const code = await newCode({ toolUses: 10 });
    const [[improvePath, improve], [imagePath, image]] = TOOLS;
    expect((await api(improvePath, { credential: code, json: improve })).status).toBe(200);
    expect((await api(imagePath, { credential: code, json: image })).status).toBe(201);
    expect(await findAccessCode(code)).toMatchObject({ quotaToolUses: 10, usedToolUses: 6 });
  });

  it("402 quota_exhausted once the code's video seconds are used up", async () => {
    const code = await newCode({ quotaSeconds: 8, toolUses: 10 });
    await reserveSeconds(accessCodeHash(code), 8);
    await refusedOnBothTools(code, 402, "quota_exhausted", /0 s left/);
  });

  it("402 tool_budget_exhausted once the tool budget is used up", async () => {
    const code = await newCode({ toolUses: 1 });
    const [[path, json]] = TOOLS;
    expect((await api(path, { credential: code, json })).status).toBe(200);
    await refusedOnBothTools(code, 402, "tool_budget_exhausted", /0 tool uses left/);
  });

  it("402 for an image the budget cannot cover, saying what is left", async () => {
    const code = await newCode({ toolUses: 3 });
    const [, [path, json]] = TOOLS;
    const reply = await api(path, { credential: code, json });
    expect(reply.status).toBe(402);
    expect(reply.body.error).toEqual({
      code: "tool_budget_exhausted",
      message: "A reference image takes 5 tool uses, and this access code has only 3 left.",
    });
    expect((await findAccessCode(code))?.usedToolUses).toBe(0);
  });

  it("403 access_code_revoked for a revoked code", async () => {
    const code = await newCode({ toolUses: 10 });
    await revokeAccessCode(code);
    await refusedOnBothTools(code, 403, "access_code_revoked", /revoked/);
  });

  it("403 access_code_expired for an expired code", async () => {
    const code = await newCode({ toolUses: 10, expiresAt: new Date(Date.now() - 60_000) });
    await refusedOnBothTools(code, 403, "access_code_expired", /expired on/);
  });

  it("a model call that fails gives its uses back and stores nothing", async () => {
    const code = await newCode({ toolUses: 10 });
    await quiet();
    const before = await footprint();
    for (const [path, json] of TOOLS) {
      // The first attempt and the adapter's one retry.
      await emulatorFaults({ serverErrors: { count: 2 } });
      try {
        expect((await api(path, { credential: code, json })).status, path).toBe(503);
      } finally {
        await emulatorFaults();
      }
    }
    expect((await findAccessCode(code))?.usedToolUses).toBe(0);
    expect(await footprint()).toEqual(before);
  });
});

describe("the site's create page for an access code", () => {
  it("shows what is left, and refuses the tools with the API's words", async () => {
    const code = await newCode({ quotaSeconds: 30, toolUses: 0 });
    const cookie = await signInCookie(code);
    const page = await fetch(`${stack.url}/new`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Left on this access code");
    expect(html).toContain("30 s of video · 0 tool uses");

    await quiet();
    const before = await footprint();
    const improve = await formPost("improve", cookie, { prompt: "A kite", seconds: "4" });
    expect(improve.status).toBe(402);
    expect(await improve.text()).toContain("0 tool uses left for improving prompts");
    const image = await formPost("image", cookie, { imagePrompt: "A kite", size: "1280x720" });
    expect(image.status).toBe(402);
    expect(await image.text()).toContain("0 tool uses left for improving prompts");
    expect(await footprint()).toEqual(before);
  });
});

describe("an exhausted access code", () => {
  it("still signs in, and watches, downloads and shares what it made", async () => {
    const code = await newCode({ quotaSeconds: VIDEO.seconds, toolUses: 10 });
    const id = await completedVideo(code);
    // Its seconds are spent: no more videos, and no more tools.
    expect((await api("/api/videos", { credential: code, json: VIDEO })).status).toBe(402);
    await refusedOnBothTools(code, 402, "quota_exhausted", /0 s left/);

    const listed = await api("/api/videos", { credential: code });
    expect(listed.status).toBe(200);
    expect(listed.body.jobs.map((job: { id: string }) => job.id)).toContain(id);
    const { body: job } = await api(`/api/videos/${id}`, { credential: code });
    const download = await fetch(job.media.video.url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe(job.media.video.contentType);
    expect((await download.arrayBuffer()).byteLength).toBe(job.media.video.bytes);

    const shared = await api(`/api/videos/${id}/shares`, {
      credential: code,
      json: { expiresIn: 3600 },
    });
    expect(shared.status).toBe(201);
    expect((await fetch(`${stack.url}/s/${shared.body.share.token}`)).status).toBe(200);

    const cookie = await signInCookie(code);
    const library = await fetch(`${stack.url}/`, { headers: { cookie } });
    expect(library.status).toBe(200);
    expect(await library.text()).toContain(`/videos/${id}`);
    expect((await fetch(`${stack.url}/videos/${id}`, { headers: { cookie } })).status).toBe(200);
  });
});
