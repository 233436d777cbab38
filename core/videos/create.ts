/** A new video, from a prompt and optionally the images it starts and ends on. */
import { credentialFor, providerFor } from "../caller-providers";
import type { ResolvedCredential } from "../credentials";
import { badRequest } from "../errors";
import { fn } from "../fn";
import { digest, once } from "../idempotency";
import { fitReference } from "../media/fit";
import { askProvider } from "../providers";
import { checkCapabilities, getModel, makesSound } from "../providers/declarations";
import { withReservedSeconds } from "../quota";
import { checkRateLimit } from "../rate-limit";
import { readOwnedReference, type StoredReference } from "../references";
import { VideoRequest } from "../requests";
import { startClock, TIME_BUDGETS } from "../time-budgets";
import { keyedRequest, madeJob, recordNewJob, webhookUrl, type StartOptions } from "./start";
import type { PublicJob } from "./view";

/** An image the clip starts or ends on, fitted to its size: uploaded, or a stored one by key. */
async function imageFor(
  caller: ResolvedCredential,
  size: string,
  upload: Uint8Array | undefined,
  key: string | undefined,
): Promise<StoredReference | undefined> {
  if (upload && key) {
    throw badRequest(
      "reference_conflict",
      "Send either an image or a key of a stored one, not both.",
      "reference",
    );
  }
  if (upload) return { png: await fitReference(upload, size) };
  if (key) return readOwnedReference(caller, key, size);
  return undefined;
}

/** Images a new video starts and ends on, as uploads (the API's multipart create). */
export interface ImageUploads {
  firstFrame?: Uint8Array;
  lastFrame?: Uint8Array;
}

/**
 * A new generation. Everything is validated against the model's declared capabilities (and the
 * images fitted to the video's size) before the provider is asked, and nothing is written unless
 * it accepted the job. It takes one from the owner's "create" budget (429 when spent) and, for an
 * access code, reserves the video's seconds on the code's quota (402 when it cannot cover them),
 * given back if the job is not recorded for any reason. The provider gets what the request's time
 * budget leaves (504 past it). A retry with the same Idempotency-Key answers with the job the
 * first request made, spending nothing again (core/idempotency.ts).
 */
export const createVideo = fn(
  VideoRequest,
  async (
    caller: ResolvedCredential,
    request,
    uploads: ImageUploads = {},
    { idempotencyKey, clock = startClock(TIME_BUDGETS.startVideo) }: StartOptions = {},
  ): Promise<PublicJob> => {
    const provider = providerFor(caller, request);
    const credential = credentialFor(caller, provider);
    const model = getModel(provider, request.model);
    const wantsFirst = Boolean(uploads.firstFrame ?? request.referenceKey);
    const wantsLast = Boolean(uploads.lastFrame ?? request.lastFrameKey);
    if (wantsLast && !wantsFirst) {
      throw badRequest(
        "first_frame_required",
        "A last frame goes with a first frame: add the image the clip starts from.",
        "reference",
      );
    }
    checkCapabilities(provider, { ...request, firstFrame: wantsFirst, lastFrame: wantsLast });
    const files = {
      firstFrame: uploads.firstFrame && digest(uploads.firstFrame),
      lastFrame: uploads.lastFrame && digest(uploads.lastFrame),
    };
    return once(keyedRequest(caller, idempotencyKey, { create: request, files }), {
      endsAt: clock.endsAt,
      replay: (jobId) => madeJob(caller, jobId),
      start: async (jobId) => {
        await checkRateLimit(caller.ownerId, "create");
        const first = await imageFor(
          caller,
          request.size,
          uploads.firstFrame,
          request.referenceKey,
        );
        const last = await imageFor(caller, request.size, uploads.lastFrame, request.lastFrameKey);
        const sound = makesSound(model, request.sound);
        const asPng = (image: StoredReference | undefined) =>
          image && { bytes: image.png, contentType: "image/png" };
        const { result } = await withReservedSeconds(
          caller,
          request.seconds,
          async (reservation) => {
            const time = clock.providerCall();
            const { providerJobId, estimatedCost } = await askProvider(
              () =>
                provider.create(credential, {
                  jobId,
                  model: request.model,
                  prompt: request.prompt,
                  seconds: request.seconds,
                  size: request.size,
                  sound,
                  firstFrame: asPng(first),
                  lastFrame: asPng(last),
                  webhookUrl: webhookUrl(provider),
                  time,
                }),
              time,
            );
            return recordNewJob(
              caller,
              {
                id: jobId,
                provider: provider.name,
                providerJobId,
                model: request.model,
                prompt: request.prompt,
                seconds: request.seconds,
                size: request.size,
                sound,
                // A video started from another's frame descends from it, as a remix does.
                parentId: first?.continuesJobId,
                quotaReservation: reservation,
                providerCost: estimatedCost && { ...estimatedCost, final: false },
              },
              { first: first?.png, last: last?.png },
            );
          },
        );
        return result;
      },
    });
  },
);
