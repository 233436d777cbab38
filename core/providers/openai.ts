import OpenAI, { APIConnectionError, APIError, toFile } from "openai";
import type { Video, VideoSeconds, VideoSize } from "openai/resources/videos";
import { Resource } from "sst";
import {
  ContentExpired,
  ContentNotAvailable,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type NormalisedStatus,
  type ProviderVariant,
  type VideoProvider,
} from "./contract";

/**
 * The OpenAI Videos API shape (`/v1/videos`), through the official SDK. OpenAI itself closed the
 * API; the shape lives on in OpenAI-compatible gateways and the local emulator, so the base URL is
 * configuration (Resource.ProviderBaseUrl).
 */

const REQUEST_TIMEOUT_MS = 30_000;
/** When a 429 names no wait, retry after this long. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

// A client per call: it holds the caller's key, which must not outlive the request in a cache.
// The SDK retries 408/409/429/5xx and connection errors itself, honouring retry-after.
const client = (credential: string) =>
  new OpenAI({
    apiKey: credential,
    baseURL: Resource.ProviderBaseUrl.value,
    maxRetries: 2,
    timeout: REQUEST_TIMEOUT_MS,
  });

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers | undefined): number {
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

/** The provider's own message from the error body, without the SDK's "400 " status prefix. */
function providerMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" && body.message ? body.message : error.message;
}

/** SDK errors as the contract's typed failures; anything else (a bug) passes through unchanged. */
function typed(error: unknown): unknown {
  // Connection errors (timeouts included) are APIErrors without a status.
  if (error instanceof APIConnectionError) return new ProviderUnavailable();
  if (!(error instanceof APIError) || error.status === undefined) return error;
  if (error.status === 429) return new ProviderRateLimited(retryAfterMs(error.headers));
  if (error.status >= 500 || error.status === 408) return new ProviderUnavailable();
  return new ProviderRejected(error.status, error.code ?? "rejected", providerMessage(error));
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw typed(error);
  }
}

/** A download that failed because the file is gone or not there yet, rather than a bad request. */
function contentFailure(error: unknown): unknown {
  if (!(error instanceof ProviderRejected)) return error;
  const expired = error.status === 410 || /expire/i.test(`${error.code} ${error.message}`);
  if (expired) return new ContentExpired(error.message);
  if (error.status === 404 || error.status === 409) return new ContentNotAvailable(error.message);
  return error;
}

const isoFromUnixSeconds = (seconds: number | null | undefined) =>
  typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : undefined;

function normalise(video: Video): NormalisedStatus {
  const progress = Math.round(Math.min(100, Math.max(0, video.progress ?? 0)));
  const status: NormalisedStatus = {
    status: video.status,
    progress: video.status === "completed" ? 100 : progress,
    completedAt: isoFromUnixSeconds(video.completed_at),
    expiresAt: isoFromUnixSeconds(video.expires_at),
  };
  if (video.status === "failed") {
    status.error = video.error
      ? { code: video.error.code, message: video.error.message }
      : { code: "generation_failed", message: "The provider could not generate this video." };
  }
  return status;
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
};

export const openaiProvider: VideoProvider = {
  name: "openai",
  capabilities: {
    models: ["sora-2", "sora-2-pro"],
    sizes: ["1280x720", "720x1280", "1792x1024", "1024x1792"],
    seconds: [4, 8, 12],
    imageInput: true,
    remix: true,
    variants: ["video", "thumbnail", "spritesheet"],
    webhooks: true,
  },

  async create(credential, request) {
    const reference = request.reference
      ? await toFile(
          request.reference.bytes,
          `reference.${EXTENSIONS[request.reference.contentType] ?? "bin"}`,
          { type: request.reference.contentType },
        )
      : undefined;
    const video = await call(() =>
      client(credential).videos.create({
        model: request.model,
        prompt: request.prompt,
        // The API takes seconds as a string ("4" | "8" | "12").
        seconds: String(request.seconds) as VideoSeconds,
        size: request.size as VideoSize,
        ...(reference ? { input_reference: reference } : {}),
      }),
    );
    return { providerJobId: video.id };
  },

  async getStatus(credential, providerJobId) {
    return normalise(await call(() => client(credential).videos.retrieve(providerJobId)));
  },

  async download(credential, providerJobId, variant: ProviderVariant) {
    const response = await call(() =>
      client(credential).videos.downloadContent(providerJobId, { variant }),
    ).catch((error: unknown) => {
      throw contentFailure(error);
    });
    if (!response.body) throw new ContentNotAvailable();
    const length = Number(response.headers.get("content-length"));
    return {
      body: response.body,
      contentType: response.headers.get("content-type") ?? "application/octet-stream",
      contentLength: Number.isFinite(length) && length > 0 ? length : undefined,
    };
  },

  async remix(credential, providerJobId, prompt) {
    const video = await call(() => client(credential).videos.remix(providerJobId, { prompt }));
    return { providerJobId: video.id };
  },

  async delete(credential, providerJobId) {
    await call(() => client(credential).videos.delete(providerJobId));
  },

  // `{id, type: "video.completed" | "video.failed", created_at, data: {id}}`; the SDK's event
  // union omits the video events, hence the hand-written check.
  finishedJobInWebhook(event) {
    const { type, data } = (event ?? {}) as { type?: unknown; data?: { id?: unknown } };
    const finished = type === "video.completed" || type === "video.failed";
    return finished && typeof data?.id === "string" && data.id ? data.id : undefined;
  },
};
