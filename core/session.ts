import { resolveCredential, type ResolvedCredential } from "./credentials";
import { TakesError } from "./errors";
import { SealedValueInvalid, seal, unseal } from "./sealing";

/**
 * The site's session: the credential the person signed in with, sealed (AES-256-GCM under the
 * server secret, core/sealing.ts) into an HttpOnly, SameSite=Lax cookie with an expiry inside the
 * sealed payload. Nothing is stored server-side and nothing secret reaches the browser's scripts:
 * a tampered, foreign or expired cookie simply reads as signed out. The HTTP API accepts the same
 * cookie (functions/http/request.ts), so the site's own pages can call /api from the browser.
 */

export const SESSION_COOKIE = "takes_session";

/** How long a sign-in lasts. */
export const SESSION_SECONDS = 7 * 24 * 60 * 60;

/** A browser sends at most ~4 KB per cookie; a sealed credential is far below that. */
const MAX_COOKIE_LENGTH = 4000;

interface SessionPayload {
  /** Tells a session apart from any other sealed value (a job's sealed key is a bare string). */
  kind: "session";
  credential: string;
  /** Ms epoch. */
  expiresAt: number;
}

export interface Session {
  credential: string;
  expiresAt: number;
}

/** The cookie value for a fresh session of `credential`. */
export function sealSession(credential: string, now = Date.now()): string {
  const payload: SessionPayload = {
    kind: "session",
    credential,
    expiresAt: now + SESSION_SECONDS * 1000,
  };
  return seal(JSON.stringify(payload));
}

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
    typeof payload.credential !== "string" ||
    !payload.credential ||
    typeof payload.expiresAt !== "number" ||
    payload.expiresAt <= now
  ) {
    return undefined;
  }
  return { credential: payload.credential, expiresAt: payload.expiresAt };
}

/**
 * The caller behind a session cookie, or undefined when signed out: an unreadable or expired
 * cookie, or a credential that no longer resolves (an access code the operator withdrew).
 */
export async function callerFromSession(
  value: string | undefined,
  now = Date.now(),
): Promise<ResolvedCredential | undefined> {
  const session = openSession(value, now);
  if (!session) return undefined;
  try {
    return await resolveCredential(session.credential);
  } catch (error) {
    // 401: unknown credential; 403: an access code revoked or past its expiry.
    if (error instanceof TakesError && (error.status === 401 || error.status === 403)) {
      return undefined;
    }
    throw error;
  }
}
