// Sessions end on the server: a copy of a session cookie (taken from a shared computer, a log, a
// stolen profile) stops working on the site and on /api once its session is signed out, signed
// out everywhere, or its access code revoked. Signing in with a revoked or expired code is a form
// error, never a 500.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { issueAccessCode, revokeAccessCode } from "#core/access-codes";
import { ownerIdFor } from "#core/identity";
import { openSession, SESSION_COOKIE } from "#core/session";
import { endSessionsOf, isSessionLive } from "#core/session-store";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { uniqueId } from "../../support/jobs";
import { postSignInForm, signInCookie } from "../../support/session";

const stack = inject("stack");

beforeAll(() => {
  useStackEnvironment();
});

/** A form post from this site's own pages, with a session cookie riding along. */
const post = (path: string, cookie: string, origin = stack.url) =>
  fetch(`${stack.url}${path}`, {
    method: "POST",
    headers: {
      cookie,
      origin,
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
    },
    body: new URLSearchParams(),
    redirect: "manual",
  });

/** Whether a copy of `cookie` still signs anyone in: on the site's pages and on the API. */
async function works(cookie: string): Promise<{ site: boolean; api: boolean }> {
  const page = await fetch(`${stack.url}/`, { headers: { cookie }, redirect: "manual" });
  const reply = await api("/api/videos", { headers: { cookie } });
  expect([200, 303]).toContain(page.status);
  expect([200, 401]).toContain(reply.status);
  if (page.status === 303) {
    expect(page.headers.get("location")).toBe("/sign-in");
    // The browser is told to drop it.
    expect(page.headers.getSetCookie().join("\n")).toMatch(
      new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`, "m"),
    );
  }
  return { site: page.status === 200, api: reply.status === 200 };
}

const SIGNED_IN = { site: true, api: true };
const SIGNED_OUT = { site: false, api: false };

/** Whether the session `cookie` names still has its record. */
async function recorded(cookie: string): Promise<boolean> {
  const session = openSession(cookie.slice(`${SESSION_COOKIE}=`.length));
  expect(session, "the cookie opens").toBeDefined();
  return isSessionLive({ ownerId: session!.ownerId, sessionId: session!.id });
}

/** A fresh access code, issued as `npm run codes -- add` does. */
async function newAccessCode(expiresAt?: Date) {
  const code = uniqueId("take-sessions-");
  const label = uniqueId("sessions test ");
  await issueAccessCode(code, { label, quotaSeconds: 60, expiresAt });
  return { code, label };
}

describe("signing out", () => {
  it("ends the session: a copy of its cookie stops working on the site and on /api", async () => {
    const cookie = await signInCookie(newKey());
    const copy = cookie;
    expect(await works(copy)).toEqual(SIGNED_IN);

    const signedOut = await post("/sign-out", cookie);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toBe("/sign-in");
    expect(signedOut.headers.getSetCookie().join("\n")).toMatch(/Max-Age=0/);

    expect(await works(copy)).toEqual(SIGNED_OUT);
    expect(await recorded(copy)).toBe(false);
    // Nor does the data endpoint the library polls answer to it.
    const data = await fetch(`${stack.url}/jobs.json?ids=01JAAAAAAAAAAAAAAAAAAAAAAA`, {
      headers: { cookie: copy },
    });
    expect(data.status).toBe(401);
  });

  it("ends only that session: another sign-in of the same key carries on", async () => {
    const key = newKey();
    const here = await signInCookie(key);
    const there = await signInCookie(key);
    expect(here).not.toBe(there);
    await post("/sign-out", here);
    expect(await works(here)).toEqual(SIGNED_OUT);
    expect(await works(there)).toEqual(SIGNED_IN);
  });
});

describe("signing in again", () => {
  it("ends the session the new one replaces in that browser", async () => {
    const key = newKey();
    const before = await signInCookie(key);
    const reply = await fetch(`${stack.url}/sign-in`, {
      method: "POST",
      headers: {
        cookie: before,
        "content-type": "application/x-www-form-urlencoded",
        accept: "text/html",
        origin: stack.url,
      },
      body: new URLSearchParams({ credential: newKey(), next: "/" }),
      redirect: "manual",
    });
    expect(reply.status).toBe(303);
    const after = reply.headers.getSetCookie().find((header) => header.startsWith(SESSION_COOKIE));
    expect(after).toBeDefined();
    expect(await works(before)).toEqual(SIGNED_OUT);
    expect(await works(after!.split(";")[0]!)).toEqual(SIGNED_IN);
  });
});

describe("signing out everywhere", () => {
  it("ends every session of the owner, and nobody else's", async () => {
    const key = newKey();
    const laptop = await signInCookie(key);
    const phone = await signInCookie(key);
    const someoneElse = await signInCookie(newKey());

    const reply = await post("/sign-out/everywhere", laptop);
    expect(reply.status).toBe(303);
    expect(reply.headers.get("location")).toBe("/sign-in?signed-out=everywhere");
    expect(reply.headers.getSetCookie().join("\n")).toMatch(/Max-Age=0/);

    expect(await works(laptop)).toEqual(SIGNED_OUT);
    expect(await works(phone)).toEqual(SIGNED_OUT);
    expect(await recorded(phone)).toBe(false);
    expect(await works(someoneElse)).toEqual(SIGNED_IN);
    // The sign-in page says what happened.
    const page = await fetch(`${stack.url}/sign-in?signed-out=everywhere`);
    expect(await page.text()).toContain("Signed out on every device.");
  });

  it("is refused from another site's page, ending nothing", async () => {
    const key = newKey();
    const cookie = await signInCookie(key);
    const crossSite = await post("/sign-out/everywhere", cookie, "https://evil.example");
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    expect(await works(cookie)).toEqual(SIGNED_IN);
  });

  it("a GET does nothing but go home", async () => {
    const cookie = await signInCookie(newKey());
    const page = await fetch(`${stack.url}/sign-out/everywhere`, {
      headers: { cookie },
      redirect: "manual",
    });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/");
    expect(await works(cookie)).toEqual(SIGNED_IN);
  });
});

describe("revoking an access code", () => {
  it("ends its sessions, whether revoked by the code or by its label", async () => {
    const byCode = await newAccessCode();
    const byLabel = await newAccessCode();
    const first = await signInCookie(byCode.code);
    const second = await signInCookie(byCode.code);
    const labelled = await signInCookie(byLabel.code);
    const brought = await signInCookie(newKey());
    for (const cookie of [first, second, labelled]) expect(await works(cookie)).toEqual(SIGNED_IN);

    await revokeAccessCode(byCode.code);
    await revokeAccessCode(byLabel.label);
    for (const cookie of [first, second, labelled]) {
      expect(await recorded(cookie)).toBe(false);
      expect(await works(cookie)).toEqual(SIGNED_OUT);
    }
    expect(await works(brought)).toEqual(SIGNED_IN);
    // Its owner has no session left to end.
    expect(await endSessionsOf(ownerIdFor(byCode.code))).toBe(0);
  });

  it("signing in with it afterwards is a form error that says so, with no cookie", async () => {
    const { code } = await newAccessCode();
    await revokeAccessCode(code);
    const reply = await postSignInForm(code);
    expect(reply.status).toBe(403);
    expect(reply.headers.getSetCookie()).toEqual([]);
    expect(await reply.text()).toContain("This access code was revoked.");
  });

  it("signing in with an expired code is a form error too", async () => {
    const { code } = await newAccessCode(new Date(Date.now() - 60_000));
    const reply = await postSignInForm(code);
    expect(reply.status).toBe(403);
    expect(reply.headers.getSetCookie()).toEqual([]);
    expect(await reply.text()).toContain("This access code expired on");
  });
});
