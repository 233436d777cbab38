import { toFile } from "openai";
import type { Video, VideoSeconds, VideoSize } from "openai/resources/videos";
import {
  adapter,
  ContentExpired,
  ContentNotAvailable,
  ProviderRejected,
  type CallTime,
  type NormalisedStatus,
  type ProviderVariant,
  type VideoProvider,
} from "./contract";
import { finishedVideoOf, openaiDeclared } from "./declared/openai";
import { callWith } from "./http";
import { interactiveCall, openaiClient, toProviderFailure } from "./openai-client";

export { finishedVideoOf };

/**
 * A gateway adapter: the OpenAI Videos API shape (`/v1/videos`), through the official SDK, for
 * self-hosted OpenAI-compatible video gateways (LiteLLM and the like) and the local emulator.
 * OpenAI itself closed the API on 2026-09-24, so the base URL is configuration
 * (Resource.ProviderBaseUrl). Real gateways deviate from the shape, and this reads them as they
 * are: other status words (`processing`), no progress, no seconds or size, a content route that
 * ignores `variant` (docs/notes/providers.md, OpenAI-compatible video gateways).
 */

const REQUEST_TIMEOUT_MS = 30_000;

/** Workers (poll, download, delete): the SDK's usual two retries. */
const client = (credential: string) =>
  openaiClient(credential, { timeoutMs: REQUEST_TIMEOUT_MS, maxRetries: 2 });

/**
 * Create and remix run while a person waits for the HTTP reply: one attempt in the time the
 * request's budget gives it. Never a retry: the shape has no idempotency key a gateway must honour.
 */
const once = (credential: string, time: CallTime) =>
  [
    openaiClient(credential, { timeoutMs: time.timeoutMs, maxRetries: 0 }),
    { signal: time.signal },
  ] as const;

const call = callWith((error) => toProviderFailure(error));

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

/**
 * Gateways' statuses as the contract's: the OpenAI shape's four, and what real gateways say
 * instead (LiteLLM in front of Vertex answers "processing"; others "pending", "running"…).
 */
function statusOf(reported: string): NormalisedStatus["status"] {
  if (reported === "completed" || reported === "succeeded") return "completed";
  if (reported === "failed" || reported === "error" || reported === "cancelled") return "failed";
  if (reported === "queued" || reported === "pending") return "queued";
  return "in_progress";
}

/** A gateway's video, read as tolerantly as gateways need: any field but id and status may be missing. */
export function normalise(video: Video): NormalisedStatus {
  const status = statusOf(String(video.status));
  const reported = typeof video.progress === "number" ? video.progress : undefined;
  const normalised: NormalisedStatus = {
    status,
    // A gateway that reports no progress gets Takes' estimate, not a made-up 0.
    progress:
      status === "completed"
        ? 100
        : reported === undefined
          ? undefined
          : Math.round(Math.min(100, Math.max(0, reported))),
    completedAt: isoFromUnixSeconds(video.completed_at),
    expiresAt: isoFromUnixSeconds(video.expires_at),
  };
  if (status === "failed") {
    normalised.error = video.error
      ? { code: video.error.code, message: video.error.message }
      : { code: "generation_failed", message: "The provider could not generate this video." };
  }
  return normalised;
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
};

/** A current small, fast text model, and the image model (docs/notes/providers.md). */
export const DEFAULT_TEXT_MODEL = "gpt-5.4-mini";
export const DEFAULT_IMAGE_MODEL = "gpt-image-2";

export const openaiProvider: VideoProvider = adapter(openaiDeclared, {
  async create(credential, request) {
    const reference = request.firstFrame
      ? await toFile(
          request.firstFrame.bytes,
          `reference.${EXTENSIONS[request.firstFrame.contentType] ?? "bin"}`,
          { type: request.firstFrame.contentType },
        )
      : undefined;
    const [api, options] = once(credential, request.time);
    const video = await call(() =>
      api.videos.create(
        {
          model: request.model,
          prompt: request.prompt,
          // The API takes seconds as a string ("4" | "8" | "12").
          seconds: String(request.seconds) as VideoSeconds,
          size: request.size as VideoSize,
          ...(reference ? { input_reference: reference } : {}),
        },
        options,
      ),
    );
    return { providerJobId: video.id };
  },

  async getStatus(credential, { providerJobId }) {
    return normalise(await call(() => client(credential).videos.retrieve(providerJobId)));
  },

  async download(credential, { providerJobId }, variant: ProviderVariant) {
    const response = await call(() =>
      client(credential).videos.downloadContent(providerJobId, { variant }),
    ).catch((error: unknown) => {
      throw contentFailure(error);
    });
    if (!response.body) throw new ContentNotAvailable();
    const contentType = response.headers.get("content-type") ?? "application/octet-stream";
    // A gateway that ignores `variant` answers with the video itself: no thumbnail to keep (the
    // frames worker makes one).
    if (variant !== "video" && contentType.startsWith("video/")) {
      await response.body.cancel();
      throw new ContentNotAvailable(`The gateway has no ${variant}; it sent the video instead.`);
    }
    const length = Number(response.headers.get("content-length"));
    return {
      body: response.body,
      contentType,
      contentLength: Number.isFinite(length) && length > 0 ? length : undefined,
    };
  },

  async remix(credential, { providerJobId }, { prompt, time }) {
    const [api, options] = once(credential, time);
    const video = await call(() => api.videos.remix(providerJobId, { prompt }, options));
    return { providerJobId: video.id };
  },

  async delete(credential, { providerJobId }) {
    await call(() => client(credential).videos.delete(providerJobId));
  },

  // The Responses API, as prompt improvement has always used it.
  async writeText(credential, { instructions, input, model = DEFAULT_TEXT_MODEL }) {
    const response = await interactiveCall(credential, "text model", (client, options) =>
      client.responses.create(
        {
          model,
          instructions,
          input,
          // A rewrite needs little deliberation, and the person is waiting.
          ...(/^(gpt-5|o\d)/.test(model) && { reasoning: { effort: "low" as const } }),
          // People's ideas are theirs: not kept by the provider for later retrieval.
          store: false,
        },
        options,
      ),
    );
    return response.output_text ?? "";
  },

  // gpt-image-2 takes any size whose sides are multiples of 16, which every video size is.
  async drawImage(credential, { prompt, size, model = DEFAULT_IMAGE_MODEL }) {
    const reply = await interactiveCall(credential, "image model", (client, options) =>
      client.images.generate({ model, prompt, size: size as "1024x1024" }, options),
    );
    const b64 = reply.data?.[0]?.b64_json;
    return b64 ? new Uint8Array(Buffer.from(b64, "base64")) : new Uint8Array();
  },
});
