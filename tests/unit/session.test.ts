import { beforeAll, describe, expect, it } from "vitest";
import { seal } from "#core/sealing";
import {
  openSession,
  sealSession,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  SESSION_SECONDS,
  sessionCookie,
  type Session,
} from "#core/session";
import { cookieValue, isSameOrigin } from "#functions/http/headers";
import { linkSecrets } from "#local/link";

beforeAll(() => linkSecrets({ ServerSecret: "unit-test-server-secret" }));

// Sealing and opening need only the server secret; the session's record and the API's use of the
// cookie are tested against DynamoDB Local (tests/components/sessions.test.ts).
const key = "sk-test-abcdefghijklmnopqrstuvwxyz";
const now = Date.UTC(2026, 10, 1);
const session: Session = {
  id: "c2Vzc2lvbi1pZC0xMjM0NQ",
  ownerId: "owner-123",
  credential: key,
  expiresAt: now + SESSION_SECONDS * 1000,
};

describe("session cookie", () => {
  it("round-trips the credential, the session's record and its expiry, sealed", () => {
    const value = sealSession(session);
    expect(value).not.toContain("abcdefghij");
    expect(value).not.toContain(session.ownerId);
    expect(openSession(value, now)).toEqual(session);
  });

  it("lasts until its expiry, then reads as signed out", () => {
    const value = sealSession(session);
    expect(openSession(value, session.expiresAt - 1)).toBeDefined();
    expect(openSession(value, session.expiresAt)).toBeUndefined();
  });

  it("reads anything tampered, foreign, malformed or from before sessions had records as signed out", () => {
    const value = sealSession(session);
    const parts = value.split(".");
    const flipped = Buffer.from(parts[2]!, "base64url");
    flipped[0]! ^= 1;
    parts[2] = flipped.toString("base64url");
    expect(openSession(parts.join("."), now)).toBeUndefined();
    // A job's sealed provider key is sealed under the same secret, but is no session.
    expect(openSession(seal(key), now)).toBeUndefined();
    expect(openSession(seal(JSON.stringify({ credential: key, expiresAt: now + 1 })), now)).toBe(
      undefined,
    );
    // A cookie sealed before sessions had a server-side record names none.
    const recordless = { kind: "session", credential: key, expiresAt: session.expiresAt };
    expect(openSession(seal(JSON.stringify(recordless)), now)).toBeUndefined();
    expect(
      openSession(seal(JSON.stringify({ ...recordless, ownerId: "o", sessionId: "" })), now),
    ).toBe(undefined);
    expect(openSession("", now)).toBeUndefined();
    expect(openSession("v1.x.y.z", now)).toBeUndefined();
    expect(openSession("x".repeat(5000), now)).toBeUndefined();
  });

  it("is __Host- prefixed and Secure over HTTPS, and keeps its plain name on plain http", () => {
    // A browser keeps a __Host- cookie only when it is Secure, has Path=/ and names no Domain.
    expect(sessionCookie(true)).toEqual({
      name: "__Host-takes_session",
      path: "/",
      secure: true,
      httpOnly: true,
      sameSite: "lax",
      maxAge: SESSION_SECONDS,
    });
    expect(SECURE_SESSION_COOKIE).toBe("__Host-takes_session");
    // ...and refuses one without Secure, which a plain-http local stack cannot set.
    expect(sessionCookie(false)).toEqual({
      ...sessionCookie(true),
      name: SESSION_COOKIE,
      secure: false,
    });
  });

  it("finds its cookie in a Cookie header", () => {
    expect(cookieValue(`a=1; ${SESSION_COOKIE}=v1.abc; b=2`, SESSION_COOKIE)).toBe("v1.abc");
    expect(cookieValue(`${SESSION_COOKIE}x=1`, SESSION_COOKIE)).toBeUndefined();
    expect(cookieValue(undefined, SESSION_COOKIE)).toBeUndefined();
    // The plain name is not the prefixed one, nor the other way round.
    expect(cookieValue(`${SECURE_SESSION_COOKIE}=v1.abc`, SESSION_COOKIE)).toBeUndefined();
    expect(cookieValue(`${SESSION_COOKIE}=v1.abc`, SECURE_SESSION_COOKIE)).toBeUndefined();
  });

  it("tells a same-origin Origin header from any other", () => {
    expect(isSameOrigin("https://takes.example", "takes.example")).toBe(true);
    expect(isSameOrigin("http://127.0.0.1:3000", "127.0.0.1:3000")).toBe(true);
    expect(isSameOrigin("https://evil.example", "takes.example")).toBe(false);
    expect(isSameOrigin("https://takes.example.evil.example", "takes.example")).toBe(false);
    expect(isSameOrigin("null", "takes.example")).toBe(false);
    expect(isSameOrigin(undefined, "takes.example")).toBe(false);
    expect(isSameOrigin("https://takes.example", undefined)).toBe(false);
  });
});
