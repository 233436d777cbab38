// Sessions (core/session-store.ts, core/session.ts) against DynamoDB Local with the Sessions table
// as infra/ declares it: a sign-in's record, checked on every use, ended one at a time, all of an
// owner's at once, and all of a revoked access code's; and the HTTP API's use of the cookie.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { issueAccessCode, revokeAccessCode } from "#core/access-codes";
import { dynamoClient } from "#core/aws";
import { resolveCredential } from "#core/credentials";
import { accessCodeHash, ownerIdFor } from "#core/identity";
import {
  endSignedInSession,
  openSession,
  resumeSession,
  SECURE_SESSION_COOKIE,
  sealSession,
  SESSION_COOKIE,
  SESSION_SECONDS,
  startSession,
} from "#core/session";
import {
  createSession,
  endSession,
  endSessionsOf,
  endSessionsOfAccessCode,
  isSessionLive,
  type SessionRecord,
} from "#core/session-store";
import { authenticate } from "#functions/http/request";
import { newKey } from "../support/api";
import { takesRejection } from "../support/errors";
import { uniqueId } from "../support/jobs";
import { useLinkedResources } from "../support/resources";

useLinkedResources({ secrets: { ServerSecret: "sessions-test-secret" } });

const HOUR = 3600 * 1000;

const storedRecord = async (key: Pick<SessionRecord, "ownerId" | "sessionId">) =>
  (
    await dynamoClient().send(
      new GetCommand({
        TableName: "Sessions",
        Key: { ownerId: key.ownerId, sessionId: key.sessionId },
        ConsistentRead: true,
      }),
    )
  ).Item as SessionRecord | undefined;

/** A fresh access code, with a label of its own: sessions signed in with it carry its hash. */
async function newAccessCode() {
  const code = uniqueId("code-");
  const label = uniqueId("label ");
  await issueAccessCode(code, { label, quotaSeconds: 60 });
  return { code, label };
}

/** Signs in as the site's sign-in form does: the cookie value, and the session it holds. */
async function signIn(credential: string) {
  const cookie = await startSession(credential, await resolveCredential(credential));
  return { cookie, session: openSession(cookie)! };
}

describe("the session store", () => {
  it("creates a record that lives until its expiry, with DynamoDB's TTL set to it", async () => {
    const ownerId = uniqueId("owner_");
    const now = Date.now();
    const record = await createSession({ ownerId, expiresAt: now + HOUR }, now);
    expect(record.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await storedRecord(record)).toEqual({
      ownerId,
      sessionId: record.sessionId,
      expiresAt: now + HOUR,
      ttl: Math.ceil((now + HOUR) / 1000),
      createdAt: new Date(now).toISOString(),
    });
    expect(await isSessionLive(record, now)).toBe(true);
    // Past its expiry it is over, though TTL has not deleted it yet.
    expect(await isSessionLive(record, now + HOUR)).toBe(false);
    expect(await isSessionLive({ ownerId, sessionId: "no-such-session" }, now)).toBe(false);
  });

  it("gives every session its own id", async () => {
    const ownerId = uniqueId("owner_");
    const records = await Promise.all(
      Array.from({ length: 20 }, () => createSession({ ownerId, expiresAt: Date.now() + HOUR })),
    );
    expect(new Set(records.map((record) => record.sessionId)).size).toBe(20);
  });

  it("ends one session, leaving the owner's others", async () => {
    const ownerId = uniqueId("owner_");
    const [first, second] = await Promise.all([
      createSession({ ownerId, expiresAt: Date.now() + HOUR }),
      createSession({ ownerId, expiresAt: Date.now() + HOUR }),
    ]);
    await endSession(first!);
    expect(await isSessionLive(first!)).toBe(false);
    expect(await storedRecord(first!)).toBeUndefined();
    expect(await isSessionLive(second!)).toBe(true);
    // Ending it again is no error.
    await endSession(first!);
  });

  it("ends all of an owner's sessions, and no one else's", async () => {
    const ownerId = uniqueId("owner_");
    const other = await createSession({
      ownerId: uniqueId("owner_"),
      expiresAt: Date.now() + HOUR,
    });
    const mine = await Promise.all(
      Array.from({ length: 3 }, () => createSession({ ownerId, expiresAt: Date.now() + HOUR })),
    );
    expect(await endSessionsOf(ownerId)).toBe(3);
    for (const record of mine) expect(await isSessionLive(record)).toBe(false);
    expect(await isSessionLive(other)).toBe(true);
    expect(await endSessionsOf(ownerId)).toBe(0);
  });

  it("ends the sessions of an access code by its hash", async () => {
    const codeHash = uniqueId("hash_");
    const ownerId = uniqueId("owner_");
    const withCode = await createSession({
      ownerId,
      expiresAt: Date.now() + HOUR,
      accessCodeHash: codeHash,
    });
    expect((await storedRecord(withCode))?.accessCodeHash).toBe(codeHash);
    const withoutCode = await createSession({ ownerId, expiresAt: Date.now() + HOUR });
    expect(await endSessionsOfAccessCode(codeHash)).toBe(1);
    expect(await isSessionLive(withCode)).toBe(false);
    expect(await isSessionLive(withoutCode)).toBe(true);
  });
});

describe("a signed-in session", () => {
  it("starts with a record for the cookie's session, seven days long", async () => {
    const key = newKey();
    const before = Date.now();
    const { cookie, session } = await signIn(key);
    expect(cookie).not.toContain(key);
    expect(session.ownerId).toBe(ownerIdFor(key));
    expect(session.credential).toBe(key);
    const record = await storedRecord({ ownerId: session.ownerId, sessionId: session.id });
    expect(record?.expiresAt).toBe(session.expiresAt);
    expect(session.expiresAt - before).toBeGreaterThanOrEqual(SESSION_SECONDS * 1000);
    expect(record?.accessCodeHash).toBeUndefined();
  });

  it("resumes while its record lasts, and reads as signed out once it is ended", async () => {
    const key = newKey();
    const { cookie, session } = await signIn(key);
    const resumed = await resumeSession(cookie);
    expect(resumed?.caller).toMatchObject({ kind: "brought-key", ownerId: ownerIdFor(key) });
    expect(resumed?.session).toEqual(session);
    await endSignedInSession(session);
    expect(await resumeSession(cookie)).toBeUndefined();
  });

  it("reads as signed out when the cookie is fine but names no record", async () => {
    const key = newKey();
    const forged = sealSession({
      id: "never-stored-session",
      ownerId: ownerIdFor(key),
      credential: key,
      expiresAt: Date.now() + HOUR,
    });
    expect(await resumeSession(forged)).toBeUndefined();
    expect(await resumeSession(undefined)).toBeUndefined();
  });

  it("signing out everywhere ends every session of the owner, however signed in", async () => {
    const key = newKey();
    const laptop = await signIn(key);
    const phone = await signIn(key);
    // The same key named by its provider is the same owner.
    const named = await signIn(`openai:${key}`);
    const someoneElse = await signIn(newKey());
    expect(await endSessionsOf(ownerIdFor(key))).toBe(3);
    for (const { cookie } of [laptop, phone, named]) {
      expect(await resumeSession(cookie)).toBeUndefined();
    }
    expect(await resumeSession(someoneElse.cookie)).toBeDefined();
  });

  it("revoking an access code, by code or by label, ends its sessions", async () => {
    const byCode = await newAccessCode();
    const byLabel = await newAccessCode();
    const first = await signIn(byCode.code);
    const second = await signIn(byCode.code);
    const labelled = await signIn(byLabel.code);
    const stored = await storedRecord({
      ownerId: first.session.ownerId,
      sessionId: first.session.id,
    });
    expect(stored?.accessCodeHash).toBe(accessCodeHash(byCode.code));

    await revokeAccessCode(byCode.code);
    await revokeAccessCode(byLabel.label);
    for (const { session } of [first, second, labelled]) {
      const key = { ownerId: session.ownerId, sessionId: session.id };
      expect(await storedRecord(key), "record ended").toBeUndefined();
    }
    expect(await resumeSession(first.cookie)).toBeUndefined();
  });

  it("a session the revocation missed is ended on its next use", async () => {
    const { code } = await newAccessCode();
    await revokeAccessCode(code);
    // A sign-in that checked the code just before the revocation and stored its session just
    // after (or one the index had not listed yet).
    const record = await createSession({
      ownerId: ownerIdFor(code),
      expiresAt: Date.now() + HOUR,
      accessCodeHash: accessCodeHash(code),
    });
    const cookie = sealSession({
      id: record.sessionId,
      ownerId: record.ownerId,
      credential: code,
      expiresAt: record.expiresAt,
    });
    expect(await resumeSession(cookie)).toBeUndefined();
    expect(await storedRecord(record)).toBeUndefined();
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
  const key = newKey();
  /** As behind API Gateway and CloudFront: HTTPS, so the cookie is the __Host- one. */
  const host = { host: "takes.example", "x-forwarded-proto": "https" };
  /** As on the local stack's runtime: plain http, and the cookie's plain name. */
  const local = { host: "127.0.0.1:3000", "x-forwarded-proto": "http" };
  const secure = async () => `${SECURE_SESSION_COOKIE}=${(await signIn(key)).cookie}`;

  it("takes a bearer credential first, with no Origin needed", async () => {
    const caller = await authenticate(event("POST", { authorization: `Bearer ${key}` }));
    expect(caller.providerCredential).toBe(key);
    const bad = await takesRejection(
      authenticate(event("GET", { authorization: "Basic xyz" }, [await secure()])),
    );
    expect(bad.status).toBe(401);
  });

  it("takes the session cookie, from payload 2.0's cookies or a Cookie header", async () => {
    expect((await authenticate(event("GET", host, [await secure()]))).ownerId).toBe(
      ownerIdFor(key),
    );
    const header = { ...host, cookie: await secure() };
    expect((await authenticate(event("GET", header))).ownerId).toBe(ownerIdFor(key));
    expect((await takesRejection(authenticate(event("GET", host)))).status).toBe(401);
  });

  it("reads only the __Host- cookie over HTTPS, and only the plain one over http", async () => {
    const { cookie } = await signIn(key);
    const plain = `${SESSION_COOKIE}=${cookie}`;
    const prefixed = `${SECURE_SESSION_COOKIE}=${cookie}`;
    expect((await takesRejection(authenticate(event("GET", host, [plain])))).status).toBe(401);
    expect((await authenticate(event("GET", host, [prefixed]))).ownerId).toBe(ownerIdFor(key));
    expect((await authenticate(event("GET", local, [plain]))).ownerId).toBe(ownerIdFor(key));
    expect((await takesRejection(authenticate(event("GET", local, [prefixed])))).status).toBe(401);
    // Without the header, as API Gateway always sends it: HTTPS.
    const bare = { host: "takes.example" };
    expect((await authenticate(event("GET", bare, [prefixed]))).ownerId).toBe(ownerIdFor(key));
  });

  it("refuses an ended or expired session's cookie", async () => {
    const { cookie, session } = await signIn(key);
    await endSignedInSession(session);
    const ended = `${SECURE_SESSION_COOKIE}=${cookie}`;
    expect((await takesRejection(authenticate(event("GET", host, [ended])))).status).toBe(401);
    const expired = sealSession({ ...session, expiresAt: Date.now() - 1 });
    const stale = `${SECURE_SESSION_COOKIE}=${expired}`;
    expect((await takesRejection(authenticate(event("GET", host, [stale])))).status).toBe(401);
  });

  it("refuses a cookie-authenticated change unless it comes from the same origin", async () => {
    const cookie = await secure();
    const post = (headers: Record<string, string>) =>
      authenticate(event("POST", { ...host, ...headers }, [cookie]));
    expect((await post({ origin: "https://takes.example" })).ownerId).toBeTruthy();
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
      authenticate(event("DELETE", { ...host, origin: "https://evil.example" }, [cookie])),
    );
    expect(remove.status).toBe(403);
  });

  it("checks the Origin against the host the browser saw behind the Router", async () => {
    const cookie = await secure();
    const behindRouter = {
      host: "abc123.execute-api.us-east-1.amazonaws.com",
      "x-forwarded-host": "takes.example",
      "x-forwarded-proto": "https",
    };
    const ok = await authenticate(
      event("POST", { ...behindRouter, origin: "https://takes.example" }, [cookie]),
    );
    expect(ok.ownerId).toBeTruthy();
    const error = await takesRejection(
      authenticate(
        event(
          "POST",
          { ...behindRouter, origin: "https://abc123.execute-api.us-east-1.amazonaws.com" },
          [cookie],
        ),
      ),
    );
    expect(error.status).toBe(403);
  });
});
