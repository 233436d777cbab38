import { toFile } from "openai";
import type { Video, VideoSeconds, VideoSize } from "openai/resources/videos";
import {
  ContentExpired,
  ContentNotAvailable,
  ProviderRejected,
  type NormalisedStatus,
  type ProviderVariant,
  type VideoProvider,
} from "./contract";
import { openaiClient, toProviderFailure } from "./openai-client";

/**
 * The OpenAI Videos API shape (`/v1/videos`), through the official SDK. OpenAI itself closed the
 * API; the shape lives on in OpenAI-compatible gateways and the local emulator, so the base URL is
 * configuration (Resource.ProviderBaseUrl).
 */

const REQUEST_TIMEOUT_MS = 30_000;
/** Two attempts of this fit inside API Gateway's 30 s, with room for a short retry-after wait. */
const INTERACTIVE_TIMEOUT_MS = 12_000;

/** Workers (poll, download, delete): the SDK's usual two retries. */
const client = (credential: string) =>
  openaiClient(credential, { timeoutMs: REQUEST_TIMEOUT_MS, maxRetries: 2 });

/** Create and remix run while a person waits for the HTTP reply: one retry, shorter attempts. */
const interactiveClient = (credential: string) =>
  openaiClient(credential, { timeoutMs: INTERACTIVE_TIMEOUT_MS, maxRetries: 1 });

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toProviderFailure(error);
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
    // sora-2 and sora-2-pro generate synchronised dialogue, effects and ambience.
    audio: true,
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
      interactiveClient(credential).videos.create({
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
    const video = await call(() =>
      interactiveClient(credential).videos.remix(providerJobId, { prompt }),
    );
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
