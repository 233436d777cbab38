/**
 * What every adapter does over HTTP the same way: a provider's refusal as the contract's typed
 * failure (429 a rate limit with its retry-after, 408 and 5xx an outage, any other 4xx a rejection
 * that retrying cannot change), and fetching a finished file from the URL a provider hands out.
 */
import {
  ContentNotAvailable,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type DownloadedContent,
  type ProviderFailure,
} from "./contract";

/** When a 429 names no wait, retry after this long. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number {
  const ms = Number(headers?.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const retryAfter = headers?.get("retry-after");
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return DEFAULT_RETRY_AFTER_MS;
}

export interface HttpRefusal {
  status: number;
  headers?: Headers;
  /** The provider's own words for a 4xx (they describe the person's request). */
  message: string;
  /** The provider's code for a 4xx, where it gives one. */
  code?: string;
  /** The request field the provider named, in Takes' terms. */
  field?: string;
}

/** A provider's refusal as a typed failure; `service` names what failed in messages people read. */
export function failureForStatus(refusal: HttpRefusal, service: string): ProviderFailure {
  if (refusal.status === 429) {
    return new ProviderRateLimited(
      retryAfterMs(refusal.headers),
      `The ${service} is rate limiting requests.`,
    );
  }
  if (refusal.status >= 500 || refusal.status === 408) {
    return new ProviderUnavailable(`The ${service} is unavailable.`);
  }
  return new ProviderRejected(
    refusal.status,
    refusal.code ?? "rejected",
    refusal.message,
    refusal.field,
  );
}

/** A finished file on a provider's storage should start arriving well within this. */
const OUTPUT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * Opens a finished file at the URL a provider handed out, to be streamed on. A link that no
 * longer works (expired, revoked: 401/403/404/410) is `ifGone()`: the adapter knows whether asking
 * the provider again gives a fresh one (a retry) or the file is gone for good (expiry).
 */
export async function fetchOutput(
  url: string,
  service: string,
  ifGone: () => ProviderFailure,
): Promise<DownloadedContent> {
  // Bounds only the wait for the answer's headers: the body may take as long as the copy may,
  // and the copier's own signal bounds that.
  const connecting = new AbortController();
  const timer = setTimeout(() => connecting.abort(), OUTPUT_CONNECT_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { signal: connecting.signal });
  } catch {
    throw new ProviderUnavailable(`The ${service}'s storage is unavailable.`);
  } finally {
    clearTimeout(timer);
  }
  if ([401, 403, 404, 410].includes(response.status)) {
    await response.body?.cancel();
    throw ifGone();
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw response.status >= 500 || response.status === 429
      ? new ProviderUnavailable(`The ${service}'s storage is unavailable.`)
      : new ContentNotAvailable(`The ${service}'s storage refused the file (${response.status}).`);
  }
  const length = Number(response.headers.get("content-length"));
  return {
    body: response.body,
    contentType: response.headers.get("content-type") ?? "application/octet-stream",
    contentLength: Number.isFinite(length) && length > 0 ? length : undefined,
  };
}

/** Runs an SDK call, throwing what it throws as the adapter's `toFailure` words it. */
export const callWith =
  (toFailure: (error: unknown) => unknown) =>
  async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toFailure(error);
    }
  };

/** An image as a data: URI, the form every provider takes inline. */
export const dataUri = (image: { bytes: Uint8Array; contentType: string }) =>
  `data:${image.contentType};base64,${Buffer.from(image.bytes).toString("base64")}`;
