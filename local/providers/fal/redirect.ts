/**
 * fal's client has no base-URL option: it always calls fal's own hosts. This middleware moves
 * each request onto the emulator, host by host; Takes' fal adapter uses the same rewrite on the
 * local stack. Hosts other than these (e.g. fal's storage upload URLs, which the emulator hands
 * out pointing at itself) pass through untouched.
 */
import type { RequestMiddleware } from "@fal-ai/client";

const EMULATED_HOSTS: Record<string, string> = {
  "queue.fal.run": "/fal/queue",
  "fal.run": "/fal/run",
  // The JS client's REST host, and the one fal's Python client and older docs use.
  "rest.fal.ai": "/fal/rest",
  "rest.alpha.fal.ai": "/fal/rest",
};

/** `url` on the emulator at `baseUrl` when it is one of fal's API hosts; else `url` as it was. */
export function falEmulatorUrl(url: string, baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const prefix = parsed.protocol === "https:" ? EMULATED_HOSTS[parsed.host] : undefined;
  if (prefix === undefined) return url;
  return `${baseUrl.replace(/\/+$/, "")}${prefix}${parsed.pathname}${parsed.search}`;
}

/**
 * For `createFalClient({ credentials, requestMiddleware: falEmulatorMiddleware(baseUrl) })`.
 * It also rewrites the status_url / response_url / cancel_url a submit returns (they name
 * queue.fal.run, as fal's do) whenever they go through the client.
 */
export function falEmulatorMiddleware(baseUrl: string): RequestMiddleware {
  return async (request) => ({ ...request, url: falEmulatorUrl(request.url, baseUrl) });
}
