/**
 * Runway (`runway`), through its official SDK `@runwayml/sdk`: text-to-video and image-to-video
 * on Gen-4.5, Veo 3.1, Veo 3.1 Fast and Seedance 2, with first (and, where the model takes one,
 * last) frames. Facts in docs/notes/providers.md, Runway.
 *
 * - Create is never retried by the SDK: Runway takes no idempotency key, so a retried POST after
 *   a 5xx could start (and bill) a second task. It is one attempt, in the time its request's
 *   budget gives it (core/time-budgets.ts). The poller's own retry policy covers the rest.
 * - Output URLs expire and every retrieve mints fresh ones, so a download always asks for the
 *   task first, and a link that stopped working is an outage to retry, not an expired video.
 * - Runway bills in credits (1 credit = $0.01): its estimate at create and its actual cost when
 *   done are kept on the job.
 * - The SDK reads RUNWAYML_BASE_URL: the local stack points it at the emulator.
 */
import { setTimeout as sleep } from "node:timers/promises";
import RunwayML, { APIConnectionError, APIError, APIUserAbortError } from "@runwayml/sdk";
import {
  adapter,
  ContentExpired,
  ContentNotAvailable,
  INTERACTIVE_DEADLINE_MS,
  ProviderRejected,
  ProviderUnavailable,
  type NormalisedStatus,
  type ProviderCost,
  type VideoProvider,
} from "./contract";
import { CREDITS_PER_USD, RUNWAY_MODELS, runwayDeclared } from "./declared/runway";
import { callWith, dataUri, failureForStatus, fetchOutput } from "./http";

const SERVICE = "Runway API";

/** Status and downloads run in workers, with the SDK's retries. */
const WORKER_TIMEOUT_MS = 30_000;

const client = (credential: string, options: { timeoutMs: number; maxRetries: number }) =>
  new RunwayML({ apiKey: credential, timeout: options.timeoutMs, maxRetries: options.maxRetries });
/** While a person waits: one attempt, in the time the request's budget gives it. */
const once = (credential: string, timeoutMs: number) =>
  client(credential, { timeoutMs, maxRetries: 0 });
const working = (credential: string) =>
  client(credential, { timeoutMs: WORKER_TIMEOUT_MS, maxRetries: 2 });

/** Runway's error body is `{"error": "<text>"}`. */
function toFailure(error: unknown): unknown {
  // An attempt cut short by its request's deadline is an outage too: Runway did not answer.
  if (error instanceof APIConnectionError || error instanceof APIUserAbortError)
    return new ProviderUnavailable(`The ${SERVICE} is unavailable.`);
  if (!(error instanceof APIError) || error.status === undefined) return error;
  const body = error.error as { error?: unknown } | undefined;
  const message = typeof body?.error === "string" && body.error ? body.error : error.message;
  return failureForStatus({ status: error.status, headers: error.headers, message }, SERVICE);
}

const call = callWith(toFailure);

/** An image task is looked at this often while the person waits for it. */
const IMAGE_POLL_MS = 1_000;

/** The ratios gen4_image draws at (the SDK's TextToImageCreateParams.Gen4Image). */
const IMAGE_RATIOS = [
  "1024:1024",
  "1080:1080",
  "1168:880",
  "1360:768",
  "1440:1080",
  "1080:1440",
  "1808:768",
  "1920:1080",
  "1080:1920",
  "2112:912",
  "1280:720",
  "720:1280",
  "720:720",
  "960:720",
  "720:960",
  "1680:720",
] as const;

/** The size's own ratio where gen4_image has it, else the one nearest in shape. */
function imageRatioFor(size: string): (typeof IMAGE_RATIOS)[number] {
  const [width = 1, height = 1] = size.split("x").map(Number);
  const exact = IMAGE_RATIOS.find((ratio) => ratio === `${width}:${height}`);
  if (exact) return exact;
  const shape = (ratio: string) => {
    const [w = 1, h = 1] = ratio.split(":").map(Number);
    return Math.abs(Math.log(w / h) - Math.log(width / height));
  };
  return [...IMAGE_RATIOS].sort((a, b) => shape(a) - shape(b))[0]!;
}

/** Takes' "1280x720" is Runway's ratio "1280:720": an exact output size in pixels. */
const ratioOf = (size: string) => size.replace("x", ":");

const costOf = (credits: number | undefined): ProviderCost | undefined =>
  credits === undefined ? undefined : { credits, usd: credits / CREDITS_PER_USD };

/** What Runway's failure codes mean to the person whose video it was. */
function failureOf(code: string | undefined, failure: string | undefined) {
  const said = failure ? ` Runway said: "${failure}"` : "";
  if (code?.startsWith("SAFETY.INPUT")) {
    return {
      code: "content_rejected",
      message: `Runway's content moderation refused the prompt or image (${code}).${said} Change them and try again.`,
    };
  }
  if (code?.startsWith("SAFETY.OUTPUT")) {
    return {
      code: "content_rejected",
      message: `Runway's content moderation blocked the generated video (${code}).${said} Try another prompt.`,
    };
  }
  return {
    code: "generation_failed",
    message: `Runway could not generate this video${code ? ` (${code})` : ""}.${said}`,
  };
}

type Task = Awaited<ReturnType<RunwayML["tasks"]["retrieve"]>>;

function normalise(task: Task): NormalisedStatus {
  switch (task.status) {
    case "PENDING":
    case "THROTTLED":
      return { status: "queued", progress: 0 };
    case "RUNNING":
      return {
        status: "in_progress",
        progress: Math.round(Math.min(1, Math.max(0, task.progress ?? 0)) * 100),
      };
    case "SUCCEEDED":
      return { status: "completed", progress: 100, cost: costOf(task.cost?.credits) };
    case "FAILED":
      return { status: "failed", error: failureOf(task.failureCode, task.failure) };
    case "CANCELLED":
      return {
        status: "failed",
        error: { code: "cancelled", message: "The task was cancelled at Runway." },
      };
  }
}

export const runwayProvider: VideoProvider = adapter(runwayDeclared, {
  async create(credential, request) {
    const model = request.model as "gen4.5";
    const shared = {
      model,
      promptText: request.prompt,
      ratio: ratioOf(request.size) as "1280:720",
      duration: request.seconds,
      ...(RUNWAY_MODELS.find((m) => m.id === request.model)?.sound === "optional" && {
        audio: request.sound,
      }),
    };
    const frames = [
      ...(request.firstFrame
        ? [{ uri: dataUri(request.firstFrame), position: "first" as const }]
        : []),
      ...(request.lastFrame
        ? [{ uri: dataUri(request.lastFrame), position: "last" as const }]
        : []),
    ];
    const api = once(credential, request.time.timeoutMs);
    const options = { signal: request.time.signal };
    const created = await call(() =>
      frames.length === 0
        ? api.textToVideo.create(shared, options)
        : api.imageToVideo.create(
            {
              ...shared,
              // One first frame goes as a plain URI; keyframes as a list naming their positions.
              promptImage: (frames.length === 1 && !request.lastFrame
                ? frames[0]!.uri
                : frames) as string,
            },
            options,
          ),
    );
    return { providerJobId: created.id, estimatedCost: costOf(created.estimatedCost?.credits) };
  },

  async getStatus(credential, { providerJobId }) {
    return normalise(await call(() => working(credential).tasks.retrieve(providerJobId)));
  },

  async download(credential, { providerJobId }, variant) {
    if (variant !== "video") throw new ContentNotAvailable(`Runway makes no ${variant}.`);
    // Every retrieve mints fresh output URLs: ask now rather than use one minted earlier.
    const task = await call(() => working(credential).tasks.retrieve(providerJobId)).catch(
      (error: unknown) => {
        const gone = error instanceof ProviderRejected && error.status === 404;
        throw gone ? new ContentExpired("Runway no longer has this task's output.") : error;
      },
    );
    const url = task.status === "SUCCEEDED" ? task.output[0] : undefined;
    if (!url) throw new ContentNotAvailable("Runway has no finished output for this task.");
    return fetchOutput(
      url,
      SERVICE,
      () =>
        new ProviderUnavailable(
          "Runway's output link lapsed before the copy; a fresh one is on the next try.",
        ),
    );
  },

  async delete(credential, { providerJobId }) {
    // Cancels a task still running, deletes a finished one's outputs.
    await call(() => working(credential).tasks.delete(providerJobId));
  },

  // gen4_image draws at one of its own ratios: the nearest in shape to the size asked, which
  // Takes then fits exactly.
  async drawImage(credential, { prompt, size, model = "gen4_image", signal }) {
    const created = await call(() =>
      once(credential, INTERACTIVE_DEADLINE_MS).textToImage.create(
        { model: model as "gen4_image", promptText: prompt, ratio: imageRatioFor(size) },
        { signal },
      ),
    );
    for (;;) {
      const task = await call(() => working(credential).tasks.retrieve(created.id, { signal }));
      if (task.status === "SUCCEEDED" && task.output[0]) {
        const image = await fetchOutput(
          task.output[0],
          SERVICE,
          () => new ProviderUnavailable("Runway's image link lapsed; try again."),
        );
        return new Uint8Array(await new Response(image.body).arrayBuffer());
      }
      if (task.status === "FAILED") {
        const { code, message } = failureOf(task.failureCode, task.failure);
        throw new ProviderRejected(422, code, message);
      }
      if (task.status === "CANCELLED") {
        throw new ProviderRejected(409, "cancelled", "The image task was cancelled at Runway.");
      }
      await sleep(IMAGE_POLL_MS, undefined, { signal });
    }
  },

  async checkKey(credential, time) {
    const organization = await call(() =>
      once(credential, time.timeoutMs).organization.retrieve({ signal: time.signal }),
    );
    return { balance: `${organization.creditBalance.toLocaleString("en")} credits left` };
  },
});
