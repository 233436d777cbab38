import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { seal } from "#core/sealing";
import {
  callerFromSession,
  openSession,
  sealSession,
  SESSION_COOKIE,
  SESSION_SECONDS,
} from "#core/session";
import { cookieValue, isSameOrigin } from "#functions/http/headers";
import { authenticate } from "#functions/http/request";
import { linkSecrets } from "#local/link";
import { takesRejection } from "../support/errors";

beforeAll(() => linkSecrets({ ServerSecret: "unit-test-server-secret" }));

// Brought keys resolve without any table: these tests need no emulator.
const key = "sk-test-abcdefghijklmnopqrstuvwxyz";
const now = Date.UTC(2026, 10, 1);

describe("session cookie", () => {
  it("round-trips the credential and its expiry, sealed", () => {
    const value = sealSession(key, now);
    expect(value).not.toContain("abcdefghij");
    expect(openSession(value, now)).toEqual({
      credential: key,
      expiresAt: now + SESSION_SECONDS * 1000,
    });
  });

  it("lasts seven days, then reads as signed out", () => {
    const value = sealSession(key, now);
    expect(openSession(value, now + SESSION_SECONDS * 1000 - 1)).toBeDefined();
    expect(openSession(value, now + SESSION_SECONDS * 1000)).toBeUndefined();
  });

  it("reads anything tampered, foreign or malformed as signed out", () => {
    const value = sealSession(key, now);
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
    expect(openSession("", now)).toBeUndefined();
    expect(openSession("v1.x.y.z", now)).toBeUndefined();
    expect(openSession("x".repeat(5000), now)).toBeUndefined();
  });

  it("resolves to the caller; an unusable credential is signed out, not an error", async () => {
    const caller = await callerFromSession(sealSession(key));
    expect(caller?.kind).toBe("brought-key");
    expect(caller?.providerCredential).toBe(key);
    expect(await callerFromSession(sealSession("sk-bad key"))).toBeUndefined();
    expect(await callerFromSession(undefined)).toBeUndefined();
  });

  it("finds its cookie in a Cookie header", () => {
    expect(cookieValue(`a=1; ${SESSION_COOKIE}=v1.abc; b=2`, SESSION_COOKIE)).toBe("v1.abc");
    expect(cookieValue(`${SESSION_COOKIE}x=1`, SESSION_COOKIE)).toBeUndefined();
    expect(cookieValue(undefined, SESSION_COOKIE)).toBeUndefined();
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

function event(
  method: string,
  headers: Record<string, string>,
  cookies?: string[],
): APIGatewayProxyEventV2 {
  return {
    headers,
    cookies,
    requestContext: { http: { method } },
  } as unknown as APIGatewayProxyEventV2;
}

describe("API authentication", () => {
  const cookie = () => `${SESSION_COOKIE}=${sealSession(key)}`;
  const host = { host: "127.0.0.1:3000" };

  it("takes a bearer credential first, with no Origin needed", async () => {
    const caller = await authenticate(event("POST", { authorization: `Bearer ${key}` }));
    expect(caller.providerCredential).toBe(key);
    const bad = await takesRejection(
      authenticate(event("GET", { authorization: "Basic xyz" }, [cookie()])),
    );
    expect(bad.status).toBe(401);
  });

  it("takes the session cookie, from payload 2.0's cookies or a Cookie header", async () => {
    expect((await authenticate(event("GET", host, [cookie()]))).ownerId).toBeTruthy();
    expect((await authenticate(event("GET", { ...host, cookie: cookie() }))).ownerId).toBeTruthy();
    expect((await takesRejection(authenticate(event("GET", host)))).status).toBe(401);
    const expired = `${SESSION_COOKIE}=${sealSession(key, Date.now() - SESSION_SECONDS * 1000)}`;
    expect((await takesRejection(authenticate(event("GET", host, [expired])))).status).toBe(401);
  });

  it("refuses a cookie-authenticated change unless it comes from the same origin", async () => {
    const post = (headers: Record<string, string>) =>
      authenticate(event("POST", { ...host, ...headers }, [cookie()]));
    expect((await post({ origin: "http://127.0.0.1:3000" })).ownerId).toBeTruthy();
    const crossSite: Record<string, string>[] = [
      {},
      { origin: "https://evil.example" },
      { origin: "null" },
    ];
    for (const headers of crossSite) {
      const error = await takesRejection(post(headers));
      expect(error.status).toBe(403);
      expect(error.code).toBe("cross_origin");
    }
    const remove = await takesRejection(
      authenticate(event("DELETE", { ...host, origin: "https://evil.example" }, [cookie()])),
    );
    expect(remove.status).toBe(403);
  });

  it("checks the Origin against the host the browser saw behind the Router", async () => {
    const behindRouter = {
      host: "abc123.execute-api.us-east-1.amazonaws.com",
      "x-forwarded-host": "takes.example",
    };
    const ok = await authenticate(
      event("POST", { ...behindRouter, origin: "https://takes.example" }, [cookie()]),
    );
    expect(ok.ownerId).toBeTruthy();
    const error = await takesRejection(
      authenticate(
        event(
          "POST",
          { ...behindRouter, origin: "https://abc123.execute-api.us-east-1.amazonaws.com" },
          [cookie()],
        ),
      ),
    );
    expect(error.status).toBe(403);
  });
});
