import { resolveCredential, type ResolvedCredential } from "./credentials";
import { TakesError } from "./errors";
import { SealedValueInvalid, seal, unseal } from "./sealing";
import { createSession, endSession, isSessionLive } from "./session-store";

/**
 * The site's session: the credential the person signed in with, the owner and the id of the
 * session's server-side record (core/session-store.ts), sealed (AES-256-GCM under the server
 * secret, core/sealing.ts) into an HttpOnly, SameSite=Lax cookie with an expiry inside the sealed
 * payload. Nothing secret reaches the browser's scripts, and nothing secret is stored server-side:
 * the record holds no credential. A tampered, foreign or expired cookie, or one whose record was
 * ended (sign-out, sign-out everywhere, a revoked access code), reads as signed out. The HTTP API
 * accepts the same cookie (functions/http/request.ts), so the site's own pages can call /api.
 */

/** The cookie's name on a plain-http local stack: a browser refuses a `__Host-` cookie there. */
export const SESSION_COOKIE = "takes_session";

/**
 * The cookie's name over HTTPS. Browsers accept a `__Host-` cookie only when it is Secure, has
 * Path=/ and no Domain, so neither a subdomain nor a plain-http page can set or shadow it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** How long a sign-in lasts. */
export const SESSION_SECONDS = 7 * 24 * 60 * 60;

/**
 * The session cookie's name and attributes, served over HTTPS or not: Path=/ and no Domain either
 * way; HttpOnly, so no script reads it; SameSite=Lax, so requests other sites make that change
 * anything go without it.
 */
export function sessionCookie(https: boolean) {
  return {
    name: https ? SECURE_SESSION_COOKIE : SESSION_COOKIE,
    path: "/",
    secure: https,
    httpOnly: true,
    sameSite: "lax",
    maxAge: SESSION_SECONDS,
  } as const;
}

/** A browser sends at most ~4 KB per cookie; a sealed session is far below that. */
const MAX_COOKIE_LENGTH = 4000;

interface SessionPayload {
  /** Tells a session apart from any other sealed value (a job's sealed key is a bare string). */
  kind: "session";
  credential: string;
  ownerId: string;
  sessionId: string;
  /** Ms epoch. */
  expiresAt: number;
}

export interface Session {
  /** The id of its record in the Sessions table. */
  id: string;
  ownerId: string;
  credential: string;
  /** Ms epoch. */
  expiresAt: number;
}

/** The cookie value that carries `session`. */
export function sealSession(session: Session): string {
  const payload: SessionPayload = {
    kind: "session",
    credential: session.credential,
    ownerId: session.ownerId,
    sessionId: session.id,
    expiresAt: session.expiresAt,
  };
  return seal(JSON.stringify(payload));
}

const isText = (value: unknown): value is string => typeof value === "string" && value !== "";

/** The session a cookie value holds, or undefined when it is missing, tampered with or expired. */
export function openSession(value: string | undefined, now = Date.now()): Session | undefined {
  if (!value || value.length > MAX_COOKIE_LENGTH) return undefined;
  let payload: Partial<SessionPayload>;
  try {
    payload = JSON.parse(unseal(value)) as Partial<SessionPayload>;
  } catch (error) {
    if (error instanceof SealedValueInvalid || error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (
    payload?.kind !== "session" ||
    !isText(payload.credential) ||
    !isText(payload.ownerId) ||
    !isText(payload.sessionId) ||
    typeof payload.expiresAt !== "number" ||
    payload.expiresAt <= now
  ) {
    return undefined;
  }
  return {
    id: payload.sessionId,
    ownerId: payload.ownerId,
    credential: payload.credential,
    expiresAt: payload.expiresAt,
  };
}

/**
 * Starts a session for a caller who has just proved `credential` (resolved it, and had a brought
 * key accepted by its provider): stores its record and returns the cookie value.
 */
export async function startSession(
  credential: string,
  caller: ResolvedCredential,
  now = Date.now(),
): Promise<string> {
  const record = await createSession(
    {
      ownerId: caller.ownerId,
      expiresAt: now + SESSION_SECONDS * 1000,
      accessCodeHash: caller.accessCodeHash,
    },
    now,
  );
  return sealSession({
    id: record.sessionId,
    ownerId: record.ownerId,
    credential,
    expiresAt: record.expiresAt,
  });
}

export interface SignedIn {
  session: Session;
  caller: ResolvedCredential;
}

/**
 * Who a session cookie signs in, or undefined when signed out: an unreadable or expired cookie, a
 * session whose record was ended, or a credential that no longer resolves (an access code the
 * operator revoked, or one past its expiry), whose session is ended here.
 */
export async function resumeSession(
  value: string | undefined,
  now = Date.now(),
): Promise<SignedIn | undefined> {
  const session = openSession(value, now);
  if (!session) return undefined;
  const key = { ownerId: session.ownerId, sessionId: session.id };
  if (!(await isSessionLive(key, now))) return undefined;
  try {
    return { session, caller: await resolveCredential(session.credential) };
  } catch (error) {
    // 401: unknown credential; 403: an access code revoked or past its expiry.
    if (error instanceof TakesError && (error.status === 401 || error.status === 403)) {
      await endSession(key);
      return undefined;
    }
    throw error;
  }
}

/** Ends the session a cookie named (sign-out); the cookie itself is the caller's to clear. */
export const endSignedInSession = (session: Pick<Session, "id" | "ownerId">) =>
  endSession({ ownerId: session.ownerId, sessionId: session.id });
