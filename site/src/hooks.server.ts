import type { Handle, HandleServerError, RequestEvent } from "@sveltejs/kit";
import { TakesError } from "$core/errors";
import { log } from "$core/log";
import { resumeSession } from "$core/session";
import { allowMediaOrigin, mediaOrigin } from "$lib/server/csp";
import {
  clearedSessionCookie,
  clearSessionCookie,
  readSessionCookie,
} from "$lib/server/session-cookie";

/** Pages a signed-out visitor may see: sign-in, and shared takes (/s/{token}, docs/design.md). */
const isPublic = (path: string) => path === "/sign-in" || path.startsWith("/s/");

/** Where to send a signed-out visitor, remembering where they were going. */
function signInLocation(url: URL): string {
  const next = url.pathname + url.search;
  return next === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });

/** What a signed-out visitor gets instead of a page that needs a session. */
function signedOut(event: RequestEvent): Response {
  const location = signInLocation(event.url);
  // A form action submitted by `use:enhance` expects an ActionResult, a data endpoint JSON.
  if (event.request.headers.has("x-sveltekit-action")) {
    return json(200, { type: "redirect", status: 303, location });
  }
  if (event.url.pathname.endsWith(".json")) {
    return json(401, { error: { code: "unauthorized", message: "Sign in again." } });
  }
  return new Response(null, { status: 303, headers: { location } });
}

/**
 * Resolves the session cookie into `locals.caller` and `locals.session`, and keeps signed-out
 * visitors on the sign-in page. A cookie that no longer signs anyone in (expired, tampered with,
 * sealed under another secret, its session ended, or a withdrawn access code) is cleared, so the
 * browser stops sending it.
 */
export const handle: Handle = async ({ event, resolve }) => {
  const cookie = readSessionCookie(event.cookies, event.url);
  const signedIn = await resumeSession(cookie);
  event.locals.caller = signedIn?.caller;
  event.locals.session = signedIn && { id: signedIn.session.id, ownerId: signedIn.session.ownerId };
  if (cookie && !signedIn) clearSessionCookie(event.cookies, event.url);

  if (!event.locals.caller && !isPublic(event.url.pathname)) {
    const response = signedOut(event);
    // SvelteKit adds the cookies set through `event.cookies` only to what `resolve` answers.
    if (cookie)
      response.headers.append("set-cookie", clearedSessionCookie(event.cookies, event.url));
    return response;
  }

  const response = await resolve(event);
  // Pages carry the CSP SvelteKit wrote (kit.csp); the media bucket's origin is added here.
  const policy = response.headers.get("content-security-policy");
  if (policy) {
    response.headers.set("content-security-policy", allowMediaOrigin(policy, await mediaOrigin()));
  }
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "same-origin");
  response.headers.set("x-frame-options", "DENY");
  response.headers.set("permissions-policy", "camera=(), microphone=(), geolocation=()");
  // Only over https: an HSTS header on plain http is ignored, and the local stack is http.
  if (event.url.protocol === "https:") {
    response.headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
  }
  if (event.locals.caller) response.headers.set("cache-control", "private, no-store");
  return response;
};

/** Anything unexpected is logged in full and shown as a plain message; TakesErrors keep theirs. */
export const handleError: HandleServerError = ({ error, status, message }) => {
  if (error instanceof TakesError) return { code: error.code, message: error.message };
  if (status === 404) return { code: "not_found", message: "There is nothing at this address." };
  log.error("site error", { error: error as Error, status });
  return {
    code: "internal",
    message: status >= 500 ? "Something went wrong on our side." : message,
  };
};
