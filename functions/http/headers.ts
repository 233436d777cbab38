/**
 * What an HTTP request's headers say about where it came from and who sent it: the session
 * cookie's value, whether a browser's Origin is this site, and the origin the client reached.
 */

/** A `Cookie` header's value for `name`, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
    const raw = part.slice(separator + 1).trim();
    try {
      return decodeURIComponent(raw.replace(/^"(.*)"$/, "$1"));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Whether a browser's `Origin` header names the origin the request was sent to (`host`, as the
 * client saw it: behind the Router, CloudFront's `x-forwarded-host`). The CSRF check for requests
 * a cookie authenticates: a page on another site can make the browser send the cookie (on a
 * top-level navigation, with SameSite=Lax), never a matching Origin.
 */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host || origin === "null") return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "https:" || url.protocol === "http:") && url.host === host;
  } catch {
    return false;
  }
}

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin a request was sent to, as the client saw it: behind the Router, CloudFront passes the
 * viewer's host as `x-forwarded-host`; API Gateway and the local runtime set `x-forwarded-proto`.
 * Undefined when the headers do not name a plausible host.
 */
export function requestOrigin(headers: {
  host?: string;
  forwardedHost?: string;
  forwardedProto?: string;
}): string | undefined {
  const host = (headers.forwardedHost ?? headers.host)?.split(",")[0]?.trim();
  if (!host || !HOST.test(host)) return undefined;
  const proto = headers.forwardedProto?.split(",")[0]?.trim().toLowerCase();
  return `${proto === "http" ? "http" : "https"}://${host}`;
}
