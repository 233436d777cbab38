// Budgets per client address (core/address-limits.ts), for what no owner's budget can hold: sign-in
// attempts, credentials Takes has not seen before (any `sk-…` string would otherwise be a new owner
// with a new budget), share pages and the health check. Each test calls from a loopback address of
// its own, so the suite's other calls (from 127.0.0.1) neither spend nor share its budgets.
import { describe, expect, inject, it } from "vitest";
import { ADDRESS_LIMITS } from "#core/address-limits";
import { newKey } from "../../support/api";
import { ownLoopbackAddress, requestFrom, type PlainReply } from "../../support/addresses";

const stack = inject("stack");

/**
 * Sends `send()` until the first 429, at most a few past `limit`, and returns every reply. The
 * windows slide (core/rate-limit.ts): the first `limit` always pass, and a burst that crosses into
 * a new minute may let one or two more through, never more.
 */
async function untilRefused(limit: number, send: (index: number) => Promise<PlainReply>) {
  const replies: PlainReply[] = [];
  for (let index = 0; index < limit + 3; index++) {
    const reply = await send(index);
    replies.push(reply);
    if (reply.status === 429) break;
  }
  const refusedAt = replies.findIndex((reply) => reply.status === 429);
  expect(refusedAt, "a request past the limit was refused").toBeGreaterThanOrEqual(limit);
  return { replies, allowed: replies.slice(0, refusedAt), refused: replies[refusedAt]! };
}

function expectRateLimited(reply: PlainReply, what: string) {
  expect(reply.status).toBe(429);
  expect(Number(reply.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  const body = JSON.parse(reply.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("rate_limited");
  expect(body.error.message).toContain(what);
}

const listVideos = (address: string, credential: string) =>
  requestFrom(address, `${stack.url}/api/videos`, {
    headers: { authorization: `Bearer ${credential}` },
  });

function postSignIn(address: string, credential: string) {
  return requestFrom(address, `${stack.url}/sign-in`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      origin: stack.url,
    },
    body: new URLSearchParams({ credential, next: "/" }).toString(),
  });
}

const setsSession = (reply: PlainReply) =>
  [reply.headers["set-cookie"] ?? []].flat().some((cookie) => cookie.startsWith("takes_session="));

describe("credentials Takes has not seen before", () => {
  const { limit } = ADDRESS_LIMITS.newCredentials;

  it("each new key costs its address one; a spent address is refused new ones, not known ones", async () => {
    const address = ownLoopbackAddress();
    const keys = Array.from({ length: limit + 3 }, newKey);
    const { allowed, refused } = await untilRefused(limit, (index) =>
      listVideos(address, keys[index]!),
    );
    expect(allowed.every((reply) => reply.status === 200)).toBe(true);
    expectRateLimited(refused, "new credentials from your network");

    // A key this address already brought is known: it carries on, on its own owner's budgets.
    expect((await listVideos(address, keys[0]!)).status).toBe(200);
    // The refused key made no owner: from another address it is new, and costs that one.
    const other = ownLoopbackAddress();
    const refusedKey = keys[allowed.length]!;
    expect((await listVideos(other, refusedKey)).status).toBe(200);
    // ...and is known from then on, even from the spent address.
    expect((await listVideos(address, refusedKey)).status).toBe(200);
  });

  it("guessing access codes spends the same budget", async () => {
    const address = ownLoopbackAddress();
    const { allowed, refused } = await untilRefused(limit, (index) =>
      listVideos(address, `guess-${index}-${Date.now()}`),
    );
    expect(allowed.every((reply) => reply.status === 401)).toBe(true);
    expectRateLimited(refused, "new credentials from your network");
    // A real code is Takes' own, known before it is ever used: the spent address may still use it.
    expect((await listVideos(address, stack.demoAccessCode)).status).toBe(200);
  });
});

describe("signing in", () => {
  it("an address gets a fixed number of attempts a minute; past them, even a good code does not sign in", async () => {
    const address = ownLoopbackAddress();
    const { limit } = ADDRESS_LIMITS.signIn;
    const attempts = await untilRefused(limit, (index) =>
      postSignIn(address, `not-a-code-${index}-${Date.now()}`),
    );
    expect(attempts.allowed.every((reply) => reply.status === 401)).toBe(true);
    expect(attempts.refused.body).toContain("Too many sign-in attempts from your network");

    const good = await postSignIn(address, stack.demoAccessCode);
    expect(good.status).toBe(429);
    expect(setsSession(good)).toBe(false);

    // Another address signs in with the same code as ever.
    const elsewhere = await postSignIn(ownLoopbackAddress(), stack.demoAccessCode);
    expect(elsewhere.status).toBe(303);
    expect(setsSession(elsewhere)).toBe(true);
  });
});

describe("public pages", () => {
  it("share pages: an address may open only so many a minute", async () => {
    const address = ownLoopbackAddress();
    const page = (index: number) =>
      requestFrom(address, `${stack.url}/s/no-such-share-${index}`, {
        headers: { accept: "text/html" },
      });
    const { allowed, refused } = await untilRefused(ADDRESS_LIMITS.shareViews.limit, page);
    expect(allowed.every((reply) => reply.status === 404)).toBe(true);
    expect(refused.body).toContain("Too many views from your network");
    expect(refused.body).toContain("Too many shared video views from your network");
    // Nobody else is held up.
    const other = await requestFrom(ownLoopbackAddress(), `${stack.url}/s/no-such-share`);
    expect(other.status).toBe(404);
  });

  it("GET /api/health: an address may ask only so often", async () => {
    const address = ownLoopbackAddress();
    const health = () => requestFrom(address, `${stack.url}/api/health`);
    const { allowed, refused } = await untilRefused(ADDRESS_LIMITS.health.limit, health);
    expect(allowed.every((reply) => reply.status === 200)).toBe(true);
    expectRateLimited(refused, "health checks from your network");
    expect((await requestFrom(ownLoopbackAddress(), `${stack.url}/api/health`)).status).toBe(200);
  });

  it("a client cannot choose its address by stating one: only the Router's proven word counts", async () => {
    const address = ownLoopbackAddress();
    const claimed = (index: number) =>
      requestFrom(address, `${stack.url}/api/health`, {
        headers: {
          "x-takes-client-address": `203.0.113.${index}`,
          "x-takes-router-proof": "guessed",
          "x-forwarded-for": `198.51.100.${index}`,
        },
      });
    const { refused } = await untilRefused(ADDRESS_LIMITS.health.limit, claimed);
    expectRateLimited(refused, "health checks from your network");
  });
});
