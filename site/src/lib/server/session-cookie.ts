import type { Cookies } from "@sveltejs/kit";
import { sessionCookie } from "$core/session";

/**
 * The one place the site reads, sets and clears its session cookie, named and shaped by
 * core/session.ts: `__Host-` prefixed and Secure over HTTPS, its plain name on a plain-http local
 * stack (a browser refuses a `__Host-` cookie without Secure).
 */
const cookieFor = (url: URL) => sessionCookie(url.protocol === "https:");

export const readSessionCookie = (cookies: Cookies, url: URL) => cookies.get(cookieFor(url).name);

export function setSessionCookie(cookies: Cookies, url: URL, value: string) {
  const { name, ...options } = cookieFor(url);
  cookies.set(name, value, options);
}

/** Deleting sets Max-Age=0 over whatever the options say. */
export function clearSessionCookie(cookies: Cookies, url: URL) {
  const { name, ...options } = cookieFor(url);
  cookies.delete(name, options);
}

/** The Set-Cookie header that clears it, for a response made without SvelteKit's `resolve`. */
export function clearedSessionCookie(cookies: Cookies, url: URL): string {
  const { name, ...options } = cookieFor(url);
  return cookies.serialize(name, "", { ...options, maxAge: 0 });
}
