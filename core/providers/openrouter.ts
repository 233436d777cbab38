/**
 * OpenRouter (`openrouter`), through its official SDK `@openrouter/sdk`: its video API (Veo 3.1,
 * Kling, Seedance, Hailuo, Wan…), and a chat model and an image model for the prompt and image
 * tools. Facts in docs/notes/providers.md, OpenRouter.
 *
 * - Its models, their durations, sizes, frame images, sound and prices come from its model
 *   listing, shipped as a snapshot (openrouter-models.json, `npm run openrouter:models` refreshes
 *   it); the listing is never fetched on a request path.
 * - The SDK's default retry keeps retrying 5xx for up to an hour: off for creates (a retried create
 *   could bill twice), a short bounded one for reads, the poller's own policy beyond that.
 * - No progress: Takes estimates it. No cancel or delete. The USD cost it reports is kept.
 * - Webhooks (callback_url per job), signed `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>,<body>">` with
 *   the operator's OpenRouterWebhookSecret, poll the job at once when that secret is set.
 * - OPENROUTER_BASE_URL (which the SDK reads) points it elsewhere: the local emulator.
 */
import { OpenRouter } from "@openrouter/sdk";
import { OpenRouterError } from "@openrouter/sdk/models/errors";
import {
  adapter,
  ContentExpired,
  ContentNotAvailable,
  ProviderRejected,
  ProviderUnavailable,
  type NormalisedStatus,
  type VideoProvider,
} from "./contract";
import { openrouterDeclared, usdPerSecond, webhookSecret } from "./declared/openrouter";
import { callWith, dataUri, failureForStatus } from "./http";

export { usdPerSecond };

const SERVICE = "OpenRouter API";

const client = (credential: string) =>
  new OpenRouter({ apiKey: credential, retryConfig: { strategy: "none" } });

/**
 * Reads (status, content) are safe to repeat: a short backoff within the call, on 429 (honouring
 * Retry-After) and 5xx, rides out a blip before the poller's own, much slower, schedule takes over.
 */
const READ_RETRIES = {
  retries: {
    strategy: "backoff" as const,
    backoff: { initialInterval: 500, maxInterval: 4_000, exponent: 2, maxElapsedTime: 15_000 },
    retryConnectionErrors: true,
  },
  retryCodes: ["429", "5XX"],
};

/** OpenRouter's errors: `{error: {code, message, metadata?}}` with the status. */
function toFailure(error: unknown): unknown {
  if (!(error instanceof OpenRouterError)) {
    const transport =
      error instanceof Error && /fetch failed|ECONN|network|timed? ?out/i.test(error.message);
    return transport ? new ProviderUnavailable(`The ${SERVICE} is unavailable.`) : error;
  }
  const body = error.body ? (safeJson(error.body) as { error?: { message?: unknown } }) : undefined;
  const message = typeof body?.error?.message === "string" ? body.error.message : error.message;
  return failureForStatus({ status: error.statusCode, headers: error.headers, message }, SERVICE);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const call = callWith(toFailure);

/** A current small chat model and an image model OpenRouter routes (operators may name others). */
const DEFAULT_TEXT_MODEL = "openai/gpt-5-mini";
const DEFAULT_IMAGE_MODEL = "openai/gpt-image-2";

function normalise(
  video: Awaited<ReturnType<OpenRouter["videoGeneration"]["getGeneration"]>>,
): NormalisedStatus {
  const cost = video.usage?.cost ?? undefined;
  switch (video.status) {
    case "pending":
      return { status: "queued" };
    case "in_progress":
      return { status: "in_progress" };
    case "completed":
      return {
        status: "completed",
        progress: 100,
        completedAt: new Date().toISOString(),
        ...(typeof cost === "number" && { cost: { usd: cost } }),
      };
    case "expired":
      throw new ContentExpired("OpenRouter no longer keeps this video.");
    default:
      return {
        status: "failed",
        error: {
          code: video.status === "cancelled" ? "cancelled" : "generation_failed",
          message: `OpenRouter could not generate this video${video.error ? `: ${video.error}` : "."}`,
        },
      };
  }
}

export const openrouterProvider: VideoProvider = adapter(openrouterDeclared, {
  async create(credential, request) {
    const frames = [
      ...(request.firstFrame
        ? [{ image: request.firstFrame, frameType: "first_frame" as const }]
        : []),
      ...(request.lastFrame
        ? [{ image: request.lastFrame, frameType: "last_frame" as const }]
        : []),
    ];
    const declared = openrouterDeclared.models.find((model) => model.id === request.model);
    const callbackUrl = request.webhookUrl && webhookSecret() ? request.webhookUrl : undefined;
    const created = await call(() =>
      client(credential).videoGeneration.generate(
        {
          videoGenerationRequest: {
            model: request.model,
            prompt: request.prompt,
            duration: request.seconds,
            size: request.size,
            ...(declared?.sound === "optional" && { generateAudio: request.sound }),
            ...(frames.length > 0 && {
              frameImages: frames.map(({ image, frameType }) => ({
                type: "image_url" as const,
                imageUrl: { url: dataUri(image) },
                frameType,
              })),
            }),
            ...(callbackUrl && { callbackUrl }),
          },
        },
        // One attempt, within the request's budget.
        { timeoutMs: request.time.timeoutMs, fetchOptions: { signal: request.time.signal } },
      ),
    );
    return { providerJobId: created.id };
  },

  async getStatus(credential, { providerJobId }) {
    return normalise(
      await call(() =>
        client(credential).videoGeneration.getGeneration({ jobId: providerJobId }, READ_RETRIES),
      ),
    );
  },

  async download(credential, { providerJobId }, variant) {
    if (variant !== "video") throw new ContentNotAvailable(`OpenRouter makes no ${variant}.`);
    const body = await call(() =>
      client(credential).videoGeneration.getVideoContent(
        { jobId: providerJobId, index: 0 },
        READ_RETRIES,
      ),
    ).catch((error: unknown) => {
      // 410: lapsed for good. 409 (not completed) and 404 (no such output): not there (yet), which
      // the copy retries, where a rejection would fail the job.
      if (!(error instanceof ProviderRejected)) throw error;
      if (error.status === 410) throw new ContentExpired("OpenRouter no longer keeps this video.");
      throw [404, 409].includes(error.status) ? new ContentNotAvailable(error.message) : error;
    });
    return { body, contentType: "video/mp4" };
  },

  async writeText(credential, { instructions, input, model = DEFAULT_TEXT_MODEL, signal }) {
    const result = await call(() =>
      client(credential).chat.send(
        {
          chatRequest: {
            model,
            messages: [
              { role: "system", content: instructions },
              { role: "user", content: input },
            ],
          },
        },
        { fetchOptions: { signal } },
      ),
    );
    const content = "choices" in result ? result.choices[0]?.message.content : undefined;
    return typeof content === "string" ? content : "";
  },

  async drawImage(credential, { prompt, size, model = DEFAULT_IMAGE_MODEL, signal }) {
    const result = await call(() =>
      client(credential).images.generate(
        { imageGenerationRequest: { model, prompt, size } },
        { fetchOptions: { signal } },
      ),
    );
    const b64 = "data" in result ? result.data[0]?.b64Json : undefined;
    return b64 ? new Uint8Array(Buffer.from(b64, "base64")) : new Uint8Array();
  },
});
