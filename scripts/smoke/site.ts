/**
 * The checks of what a deployed stage's edge does to requests and answers: the API's health, a
 * bearer token through the Router, the site's sign-in cookie, and the security headers its pages
 * carry.
 */
import { ApiError, CliError } from "../../cli/errors";
import type { TakesClient } from "../../cli/client";
import {
  cookiePair,
  cookieShape,
  cspDirectives,
  fail,
  hstsMaxAge,
  HSTS_MIN_SECONDS,
  sourcesFor,
  type Page,
} from "./http";

/** Where the smoke test points and how it may judge what it sees. */
export interface Target {
  /** The site's URL, without a trailing slash. */
  url: string;
  origin: string;
  code: string;
  /** The local stack on plain http: the non-HTTPS cookie and no HSTS are what it must serve. */
  local: boolean;
}

/** The mark on a row judged by the local stack's plain-http rules rather than a real stage's. */
export const LOCAL_MARK = "[--local]";

const status = (response: Response) => `HTTP ${response.status}`;

/** GET /api/health: 200 with every dependency reachable. */
export async function checkHealth(target: Target): Promise<string> {
  const response = await fetch(`${target.url}/api/health`, { redirect: "manual" });
  const body = (await response.json().catch(() => undefined)) as
    { ok?: boolean; checks?: Record<string, { ok: boolean; error?: string }> } | undefined;
  if (!body?.checks) return fail(`GET /api/health answered ${status(response)} without a report`);
  const down = Object.entries(body.checks)
    .filter(([, check]) => !check.ok)
    .map(([name, check]) => `${name} (${check.error ?? "down"})`);
  if (response.status !== 200 || !body.ok || down.length > 0) {
    return fail(`${status(response)}; unreachable: ${down.join(", ") || "none named"}`);
  }
  return `${Object.keys(body.checks).join(", ")} reachable`;
}

/**
 * An API route through the site's origin with the code as `Authorization: Bearer`: CloudFront
 * forwards the header only where the Router's cache policy names it. The same route without a
 * credential must be refused, so the 200 is the header's doing.
 */
export async function checkBearer(target: Target, client: TakesClient): Promise<string> {
  const anonymous = await fetch(`${target.url}/api/videos?limit=1`, { redirect: "manual" });
  await anonymous.body?.cancel();
  if (anonymous.status !== 401) {
    return fail(`GET /api/videos without a credential answered ${status(anonymous)}, not 401`);
  }
  try {
    await client.listVideos({ limit: 1 });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const hint = error.status === 401 ? " (a wrong code, or the Authorization header dropped)" : "";
    return fail(`GET /api/videos with the code answered HTTP ${error.status} ${error.code}${hint}`);
  }
  return "GET /api/videos: 200 with the code as a bearer token, 401 without";
}

/** A page of the site, as a browser asks for it. */
async function page(target: Target, path: string, cookie?: string): Promise<Response> {
  return fetch(`${target.url}${path}`, {
    headers: { accept: "text/html", ...(cookie && { cookie }) },
    redirect: "manual",
  });
}

/** The site's own form, posted as a browser without script posts it; the reply, unfollowed. */
function postForm(target: Target, path: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${target.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      // SvelteKit refuses a form post whose Origin is not its own.
      origin: target.origin,
      ...(cookie && { cookie }),
    },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** What a session cookie must carry: over HTTPS a `__Host-` cookie, Secure and HttpOnly. */
function judgeCookie(target: Target, setCookie: string): string {
  const { name, attributes } = cookieShape(setCookie);
  const sameSite = attributes.get("samesite")?.toLowerCase();
  const problems = [
    !attributes.has("httponly") && "not HttpOnly",
    sameSite !== "lax" && sameSite !== "strict" && "SameSite neither Lax nor Strict",
    attributes.get("path") !== "/" && "Path is not /",
    attributes.has("domain") && "has a Domain",
    ...(target.local
      ? // A browser drops a Secure cookie set over plain http.
        [attributes.has("secure") && "Secure over plain http"]
      : [
          !attributes.has("secure") && "not Secure",
          !name.startsWith("__Host-") && "no __Host- prefix",
        ]),
  ].filter(Boolean);
  if (problems.length > 0) return fail(`the session cookie ${name} is ${problems.join(", ")}`);
  const flags = [
    !target.local && "Secure",
    "HttpOnly",
    `SameSite=${attributes.get("samesite")}`,
    "Path=/",
  ].filter(Boolean);
  return `${name}: ${flags.join("; ")}`;
}

/**
 * Signs in with the site's form, opens the library with the cookie it set, then signs out again
 * (ending the session it made). The pages it saw go to `pages` for the header checks.
 */
export async function checkSignIn(target: Target, pages: Page[]): Promise<string> {
  const signInPage = await page(target, "/sign-in");
  await signInPage.body?.cancel();
  if (signInPage.status !== 200) return fail(`GET /sign-in answered ${status(signInPage)}`);
  pages.push({ name: "sign-in", headers: signInPage.headers });

  const signedIn = await postForm(target, "/sign-in", { credential: target.code, next: "/" });
  await signedIn.body?.cancel();
  if (signedIn.status !== 303) {
    const refused = signedIn.status === 401 ? ": the code was refused" : "";
    return fail(`the sign-in form answered ${status(signedIn)}, not 303${refused}`);
  }
  // Signing in sets one cookie; clearing ones (an old session's) carry no value.
  const set = signedIn.headers.getSetCookie().filter((header) => !/^[^=]*=\s*(;|$)/.test(header));
  if (set.length !== 1) return fail(`signing in set ${set.length} cookies, not one session cookie`);
  const described = judgeCookie(target, set[0]!);
  const cookie = cookiePair(set[0]!);

  const library = await page(target, "/", cookie);
  await library.body?.cancel();
  if (library.status !== 200) {
    return fail(`the library answered ${status(library)} with the session cookie, not 200`);
  }
  pages.push({ name: "library", headers: library.headers });

  const signedOut = await postForm(target, "/sign-out", {}, cookie);
  await signedOut.body?.cancel();
  const after = await page(target, "/", cookie);
  await after.body?.cancel();
  if (signedOut.status !== 303 || after.status === 200) {
    return fail(`signing out answered ${status(signedOut)} and left the session working`);
  }
  const mark = target.local ? `${LOCAL_MARK} plain http, so not Secure; ` : "";
  return `${mark}${described}; opened the library, then signed out`;
}

const names = (pages: Page[]) => pages.map((entry) => entry.name).join(", ");

/**
 * Strict-Transport-Security on every page seen, for a year at least. Over plain http (the local
 * stack) there must be none: browsers ignore it there, and a real stage is never plain http.
 */
export function checkHsts(target: Target, pages: Page[]): string {
  if (pages.length === 0) return fail("no page of the site answered");
  if (target.local) {
    const sent = pages.filter((entry) => entry.headers.has("strict-transport-security"));
    if (sent.length > 0) return fail(`plain http, yet HSTS on ${names(sent)}`);
    return `${LOCAL_MARK} plain http: no HSTS on ${names(pages)}, as it should be; a real stage must send it`;
  }
  if (!target.url.startsWith("https:")) {
    return fail("the site was reached over plain http; a stage is served over https");
  }
  const weak = pages.filter((entry) => (hstsMaxAge(entry.headers) ?? 0) < HSTS_MIN_SECONDS);
  if (weak.length > 0) {
    return fail(`no HSTS of a year or more on ${names(weak)}`);
  }
  const shortest = Math.min(...pages.map((entry) => hstsMaxAge(entry.headers)!));
  return `max-age>=${shortest} on ${names(pages)}`;
}

/** A Content-Security-Policy on every page seen that keeps scripts, plugins and framing out. */
export function checkCsp(pages: Page[]): string {
  if (pages.length === 0) return fail("no page of the site answered");
  for (const entry of pages) {
    const csp = cspDirectives(entry.headers);
    if (!csp) return fail(`no Content-Security-Policy on ${entry.name}`);
    const scripts = sourcesFor(csp, "script-src");
    const problems = [
      !csp.get("default-src")?.includes("'self'") && "default-src lacks 'self'",
      (scripts.length === 0 ||
        scripts.some((source) => /^('unsafe-(inline|eval)'|\*)$/.test(source))) &&
        `script-src is ${scripts.join(" ") || "missing"}`,
      csp.get("frame-ancestors")?.join(" ") !== "'none'" && "frame-ancestors is not 'none'",
      sourcesFor(csp, "object-src").join(" ") !== "'none'" && "object-src is not 'none'",
    ].filter(Boolean);
    if (problems.length > 0) return fail(`${entry.name}: ${problems.join(", ")}`);
  }
  return `on ${names(pages)}: no inline or eval scripts, frame-ancestors and object-src 'none'`;
}

/** A failure as a row's detail: the API's answer, or what could not be reached and why. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `HTTP ${error.status} ${error.code}: ${error.message}`;
  if (error instanceof CliError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message;
  const message = error instanceof Error ? error.message : String(error);
  return reason ? `${message} (${reason})` : message;
}
