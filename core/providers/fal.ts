/**
 * fal (`fal`), through its official client `@fal-ai/client`: Veo 3.1 (text-to-video, image-to-video,
 * first-last-frame) and Kling v3 on fal's queue (submit, status, result, cancel). Facts in
 * docs/notes/providers.md, fal.
 *
 * - fal reports no progress; Takes estimates it from elapsed time (core/videos/view.ts).
 * - A failed request still reports COMPLETED, and fal keeps a result only briefly: the poll that
 *   sees COMPLETED reads the result at once, and an error result fails the job with its reason.
 *   Past retention the result is gone: the job ends expired, saying so.
 * - Submits are never retried: fal takes no idempotency key, so a retried submit after a 5xx
 *   could queue (and bill) the generation twice. The client retries on its own, so its fetch is
 *   one that refuses a second attempt of a submit; the request's budget ends the one attempt.
 * - The files' lifetime is asked for (the object lifecycle header): long enough for any copy.
 * - Webhooks are signed ED25519 with fal's published keys, fetched and cached (declared/fal.ts).
 * - fal has no base-URL option: TAKES_FAL_URL (the local stack's emulator) serves fal's hosts as
 *   paths (/queue, /run, /rest), and the client's requests are moved there.
 */
import { ApiError, createFalClient, type FalClient, type RequestMiddleware } from "@fal-ai/client";
import {
  adapter,
  ContentExpired,
  ContentNotAvailable,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type VideoProvider,
} from "./contract";
import { baseUrl, FAL_MODELS, falDeclared, falUrlUnder, type FalModel } from "./declared/fal";
import { callWith, dataUri, failureForStatus, fetchOutput } from "./http";

export { falUrlUnder };

const SERVICE = "fal API";

/** The client's request hook that moves fal's hosts under `baseUrl` (an emulator, a proxy). */
export const falBaseUrlMiddleware =
  (baseUrl: string): RequestMiddleware =>
  async (request) => ({ ...request, url: falUrlUnder(baseUrl, request.url) });

/** A submit's first answer, kept so a second attempt can say what the first one met. */
class SubmitNotRetried extends Error {
  override readonly name = "SubmitNotRetried";
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`fal's submit answered ${status}; Takes does not retry a submit.`);
  }
}

/** A fetch that lets a submit (a POST) through once: the client's own retry meets a refusal. */
function submitOnce(): typeof fetch {
  let first: Response | undefined;
  return async (input, init) => {
    const submitting = (init?.method ?? "GET").toUpperCase() === "POST";
    if (submitting && first) throw new SubmitNotRetried(first.status, first.headers);
    const response = await fetch(input, init);
    if (submitting) first = response;
    return response;
  };
}

const client = (credential: string, options: { submit?: boolean } = {}): FalClient => {
  const base = baseUrl();
  return createFalClient({
    credentials: credential,
    ...(base && { requestMiddleware: falBaseUrlMiddleware(base) }),
    ...(options.submit && { fetch: submitOnce() }),
  });
};

/**
 * fal's error bodies: `{detail: "…", error_type?}` or a 422's `{detail: [{loc, msg, type}]}`; the
 * type (e.g. content_policy_violation) is the code.
 */
function errorOf(body: unknown): { message?: string; code?: string } {
  const { detail, error_type: errorType } = (body ?? {}) as {
    detail?: unknown;
    error_type?: unknown;
  };
  const code = typeof errorType === "string" ? errorType : undefined;
  if (typeof detail === "string") return { message: detail, code };
  if (!Array.isArray(detail)) return { code };
  const entries = detail as { msg?: unknown; type?: unknown }[];
  const messages = entries.map((entry) => entry.msg).filter((msg) => typeof msg === "string");
  const type = entries.find((entry) => typeof entry.type === "string")?.type as string | undefined;
  return { message: messages.length ? messages.join("; ") : undefined, code: code ?? type };
}

function toFailure(error: unknown): unknown {
  if (error instanceof SubmitNotRetried) {
    return error.status === 429
      ? new ProviderRateLimited(5_000, `The ${SERVICE} is rate limiting requests.`)
      : new ProviderUnavailable(`The ${SERVICE} is unavailable.`);
  }
  if (error instanceof ApiError) {
    const { message, code } = errorOf(error.body);
    return failureForStatus(
      { status: error.status, message: message ?? error.message, code },
      SERVICE,
    );
  }
  // The client's network failures are TypeErrors ("fetch failed") or carry a transport code.
  if (error instanceof TypeError || (error as { code?: unknown })?.code !== undefined) {
    return new ProviderUnavailable(`The ${SERVICE} is unavailable.`);
  }
  return error;
}

const call = callWith(toFailure);

function falModel(id: string): FalModel {
  const model = FAL_MODELS.find((candidate) => candidate.id === id);
  if (!model) throw new ContentNotAvailable(`fal has no model ${id} in Takes.`);
  return model;
}

/** "1280x720" → fal's aspect ratio and resolution: "16:9" at "720p". */
function aspectOf(size: string) {
  const [width = 0, height = 0] = size.split("x").map(Number);
  const ratio = width === height ? "1:1" : width > height ? "16:9" : "9:16";
  return { aspect_ratio: ratio, resolution: `${Math.min(width, height)}p` };
}

/** How long fal should keep the finished files: long enough for any copy and its retries. */
const FILE_LIFETIME = "1d";

/**
 * The result of a finished request, read at once: fal keeps it only briefly, and past that it
 * answers 404 — the video can no longer be had (ContentExpired).
 */
async function readResult(credential: string, model: FalModel, requestId: string) {
  return call(() =>
    client(credential).queue.result(model.endpoints.textToVideo, { requestId }),
  ).catch((error: unknown) => {
    if (error instanceof ProviderRejected && error.status === 404) {
      throw new ContentExpired(
        "fal no longer keeps this result: it lapsed before Takes could copy the video.",
      );
    }
    throw error;
  });
}

/** A finished request's error as the person should read it. */
function failureOf(rejection: ProviderRejected) {
  if (rejection.status === 499 || rejection.code === "client_cancelled") {
    return { code: "cancelled", message: "The request was cancelled at fal." };
  }
  if (/content_policy|safety|nsfw/i.test(rejection.code)) {
    return {
      code: "content_rejected",
      message: `fal's content checks refused this request (${rejection.code}): ${rejection.message} Change the prompt or image and try again.`,
    };
  }
  return {
    code: "generation_failed",
    message: `fal could not generate this video (${rejection.code}): ${rejection.message}`,
  };
}

const videoOf = (data: unknown) => (data as { video?: { url?: unknown } } | undefined)?.video;

export const falProvider: VideoProvider = adapter(falDeclared, {
  async create(credential, request) {
    const model = falModel(request.model);
    const { endpoints } = model;
    const first = request.firstFrame && dataUri(request.firstFrame);
    const last = request.lastFrame && dataUri(request.lastFrame);
    const endpoint = !first
      ? endpoints.textToVideo
      : last && endpoints.firstLastFrame
        ? endpoints.firstLastFrame
        : endpoints.imageToVideo;
    const images =
      endpoint === endpoints.firstLastFrame
        ? { first_frame_url: first, last_frame_url: last }
        : {
            ...(first && { [endpoints.imageFields.first]: first }),
            ...(last && endpoints.imageFields.last && { [endpoints.imageFields.last]: last }),
          };
    const { aspect_ratio, resolution } = aspectOf(request.size);
    const input = {
      prompt: request.prompt,
      duration: `${request.seconds}${endpoints.durationUnit}`,
      // Image-to-video takes the start image's shape, which Takes fitted to the size.
      ...(!first && { aspect_ratio }),
      ...(endpoints.durationUnit === "s" && { resolution }),
      generate_audio: request.sound,
      ...images,
    };
    const queued = await call(() =>
      client(credential, { submit: true }).queue.submit(endpoint, {
        input,
        storageSettings: { expiresIn: FILE_LIFETIME },
        ...(request.webhookUrl && { webhookUrl: request.webhookUrl }),
        abortSignal: request.time.signal,
      }),
    );
    return { providerJobId: queued.request_id };
  },

  async getStatus(credential, { providerJobId, model: modelId }) {
    const model = falModel(modelId);
    const status = await call(() =>
      client(credential).queue.status(model.endpoints.textToVideo, {
        requestId: providerJobId,
        logs: false,
      }),
    );
    if (status.status === "IN_QUEUE") {
      return { status: "queued", queuePosition: status.queue_position };
    }
    if (status.status === "IN_PROGRESS") return { status: "in_progress" };
    // Completed, well or not: only the result says which, and it is kept only briefly.
    const result = await readResult(credential, model, providerJobId).catch((error: unknown) => {
      if (!(error instanceof ProviderRejected)) throw error;
      return error;
    });
    if (result instanceof ProviderRejected) return { status: "failed", error: failureOf(result) };
    if (typeof videoOf(result.data)?.url !== "string") {
      return {
        status: "failed",
        error: { code: "generation_failed", message: "fal finished without a video." },
      };
    }
    return { status: "completed", progress: 100, completedAt: new Date().toISOString() };
  },

  async download(credential, { providerJobId, model: modelId }, variant) {
    if (variant !== "video") throw new ContentNotAvailable(`fal makes no ${variant}.`);
    const result = await readResult(credential, falModel(modelId), providerJobId);
    const url = videoOf(result.data)?.url;
    if (typeof url !== "string") throw new ContentNotAvailable("fal's result has no video.");
    return fetchOutput(
      url,
      SERVICE,
      () => new ContentExpired("fal's storage no longer serves this video."),
    );
  },

  async delete(credential, { providerJobId, model: modelId }) {
    // Cancels a request still queued or running; a finished one's files lapse by themselves.
    await call(() =>
      client(credential).queue.cancel(falModel(modelId).endpoints.textToVideo, {
        requestId: providerJobId,
      }),
    ).catch((error: unknown) => {
      // 400 ALREADY_COMPLETED: nothing left to cancel.
      if (!(error instanceof ProviderRejected)) throw error;
    });
  },

  // FLUX.1 [dev] takes any width and height: the image comes back at the size asked.
  async drawImage(credential, { prompt, size, model = "fal-ai/flux/dev", signal }) {
    const [width = 0, height = 0] = size.split("x").map(Number);
    const result = await call(() =>
      client(credential, { submit: true }).subscribe(model, {
        input: { prompt, image_size: { width, height }, num_images: 1, output_format: "png" },
        abortSignal: signal,
        pollInterval: 1_000,
      }),
    );
    const url = (result.data as { images?: { url?: unknown }[] }).images?.[0]?.url;
    if (typeof url !== "string") return new Uint8Array();
    const image = await fetchOutput(
      url,
      SERVICE,
      () => new ContentExpired("fal's storage no longer serves this image."),
    );
    return new Uint8Array(await new Response(image.body).arrayBuffer());
  },
});
