import { z } from "zod";
import type { ResolvedCredential } from "../credentials";
import { badRequest, notFound, TakesError } from "../errors";
import { log } from "../log";
import { fitReference } from "../media/reference";
import { deletePrefix, presignGet, putMedia } from "../media/storage";
import { isJobId, type MediaObject, MEDIA_VARIANTS, mediaFolder, type Job } from "../jobs/model";
import {
  createJob,
  deleteJob,
  getJobForOwner,
  listChildJobs,
  listJobs,
  MAX_PAGE_SIZE,
} from "../jobs/repository";
import { JOB_STATUSES } from "../jobs/state";
import { enqueuePoll } from "../polling/queue";
import { firstPollDelaySeconds } from "../polling/schedule";
import { defaultProvider, getProvider } from "../providers";
import { providerFailureToTakesError, type VideoProvider } from "../providers/contract";
import { withReservedSeconds } from "../quota";
import { publicJob, type PublicJob } from "./view";
import { checkRateLimit } from "../rate-limit";
import { newReferenceKey, readOwnedReference } from "../references";

/** Prompts past this length are refused, as the provider would refuse them. */
export const MAX_PROMPT_LENGTH = 4000;

/** A prompt as people write it, for a video or for the text model that improves one. */
export const Prompt = z
  .string()
  .trim()
  .min(1, "Write a prompt.")
  .max(MAX_PROMPT_LENGTH, `Keep the prompt under ${MAX_PROMPT_LENGTH} characters.`);

/** Seconds arrive as a JSON number or, from a form, a string of digits. */
export const Seconds = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d{1,3}$/)
    .transform(Number),
]);

export const VideoRequest = z.object({
  prompt: Prompt,
  model: z.string().min(1).max(100),
  seconds: Seconds,
  size: z.string().min(1).max(20),
  provider: z.string().min(1).max(50).optional(),
  /**
   * A reference image already in the caller's library, instead of an uploaded one: a generated
   * image (POST /api/images), an earlier upload, or a job's frame (see frameReferenceKey).
   */
  referenceKey: z.string().min(1).max(300).optional(),
});
export type VideoRequest = z.output<typeof VideoRequest>;

export const RemixRequest = z.object({ prompt: Prompt });

export const ListRequest = z.object({
  cursor: z.string().max(200).optional(),
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(24),
});

/**
 * Checks a request against what the provider declares it can do, before anything is written.
 * Settings a request leaves out (a prompt to improve need not name them all) are not checked.
 */
export function checkCapabilities(
  provider: VideoProvider,
  request: { model?: string; size?: string; seconds?: number },
) {
  const { models, sizes, seconds } = provider.capabilities;
  const oneOf = (values: readonly unknown[]) => values.join(", ");
  if (request.model !== undefined && !models.includes(request.model)) {
    throw badRequest("unknown_model", `Choose a model from: ${oneOf(models)}.`);
  }
  if (request.size !== undefined && !sizes.includes(request.size)) {
    throw badRequest("unknown_size", `Choose a size from: ${oneOf(sizes)}.`);
  }
  if (request.seconds !== undefined && !seconds.includes(request.seconds)) {
    throw badRequest("unknown_seconds", `Choose a duration from: ${oneOf(seconds)} seconds.`);
  }
}

/** Provider failures reach the person as their fitting 4xx/5xx; anything else is a bug. */
async function askProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw providerFailureToTakesError(error) ?? error;
  }
}

/** Starts polling a job the provider accepted; the sweeper heals a lost first message. */
async function recordNewJob(
  caller: ResolvedCredential,
  fields: Omit<Parameters<typeof createJob>[0], "owner" | "sealedCredential" | "nextPollAt">,
): Promise<PublicJob> {
  const delaySeconds = firstPollDelaySeconds({ model: fields.model, seconds: fields.seconds });
  const job = await createJob({
    ...fields,
    owner: caller.ownerId,
    sealedCredential: caller.sealed,
    nextPollAt: Date.now() + delaySeconds * 1000,
  });
  await enqueuePoll(job.id, delaySeconds);
  return publicJob(job);
}

/** The reference image of a new job, fitted to its size: uploaded, or named by `referenceKey`. */
async function referenceFor(
  caller: ResolvedCredential,
  provider: VideoProvider,
  request: VideoRequest,
  upload: Uint8Array | undefined,
) {
  const key = request.referenceKey;
  if (upload && key) {
    throw badRequest(
      "reference_conflict",
      "Send either a reference image or a referenceKey, not both.",
    );
  }
  if ((upload || key) && !provider.capabilities.imageInput) {
    throw badRequest("reference_unsupported", `${provider.name} does not take reference images.`);
  }
  if (upload) return { png: await fitReference(upload, request.size) };
  if (key) return readOwnedReference(caller, key, request.size);
  return undefined;
}

/**
 * A new generation. Everything is validated (and the reference fitted to the video's size) before
 * the provider is asked, and nothing is written unless it accepted the job. It takes one from the
 * owner's "create" budget (429 when spent) and, for an access code, reserves the video's seconds
 * on the code's quota (402 when it cannot cover them), given back if the provider refuses.
 */
export async function createVideo(
  caller: ResolvedCredential,
  request: VideoRequest,
  reference?: Uint8Array,
): Promise<PublicJob> {
  const provider = request.provider ? getProvider(request.provider) : defaultProvider;
  checkCapabilities(provider, request);
  await checkRateLimit(caller.ownerId, "create");
  const fittedReference = await referenceFor(caller, provider, request, reference);
  const fitted = fittedReference?.png;
  const {
    result: { providerJobId },
    reservation,
  } = await withReservedSeconds(caller, request.seconds, () =>
    askProvider(() =>
      provider.create(caller.providerCredential, {
        model: request.model,
        prompt: request.prompt,
        seconds: request.seconds,
        size: request.size,
        ...(fitted && { reference: { bytes: fitted, contentType: "image/png" } }),
      }),
    ),
  );
  // Every job keeps its own copy, even of a stored image: deleting a job deletes its reference,
  // and deleting the job a frame came from must not take the new job's reference with it.
  let referenceKey: string | undefined;
  if (fitted) {
    referenceKey = newReferenceKey(caller.ownerId);
    await putMedia(referenceKey, fitted, "image/png");
  }
  return recordNewJob(caller, {
    provider: provider.name,
    providerJobId,
    model: request.model,
    prompt: request.prompt,
    seconds: request.seconds,
    size: request.size,
    referenceKey,
    // A video started from another's frame descends from it, as a remix does.
    parentId: fittedReference?.continuesJobId,
    quotaReservation: reservation,
  });
}

function checkJobId(id: string) {
  if (!isJobId(id)) throw badRequest("invalid_id", "That is not a video id.");
}

async function ownJob(caller: ResolvedCredential, id: string): Promise<Job> {
  checkJobId(id);
  const job = await getJobForOwner(caller.ownerId, id);
  if (!job) throw notFound("There is no video with that id.");
  return job;
}

export async function getVideo(caller: ResolvedCredential, id: string): Promise<PublicJob> {
  return publicJob(await ownJob(caller, id));
}

export async function listVideos(
  caller: ResolvedCredential,
  request: z.output<typeof ListRequest>,
) {
  const page = await listJobs(caller.ownerId, request);
  return { jobs: await Promise.all(page.jobs.map(publicJob)), nextCursor: page.nextCursor };
}

/** The videos made from the caller's video `id` (remixes, continuations), newest first. */
export async function listChildVideos(caller: ResolvedCredential, id: string) {
  const children = await listChildJobs(caller.ownerId, id);
  return Promise.all(children.map(publicJob));
}

/**
 * A new job from a finished one, with a new prompt, on the same provider and settings. Limited and
 * paid for as a new video is (see createVideo), from the "remix" budget.
 */
export async function remixVideo(
  caller: ResolvedCredential,
  id: string,
  prompt: string,
): Promise<PublicJob> {
  const parent = await ownJob(caller, id);
  const provider = getProvider(parent.provider);
  if (!provider.remix || !provider.capabilities.remix) {
    throw badRequest("remix_unsupported", `${provider.name} cannot remix videos.`);
  }
  if (parent.status !== "completed") {
    throw new TakesError(409, "not_completed", "Only a completed video can be remixed.");
  }
  await checkRateLimit(caller.ownerId, "remix");
  const remix = provider.remix.bind(provider);
  const {
    result: { providerJobId },
    reservation,
  } = await withReservedSeconds(caller, parent.seconds, () =>
    askProvider(() => remix(caller.providerCredential, parent.providerJobId, prompt)),
  );
  return recordNewJob(caller, {
    provider: provider.name,
    providerJobId,
    model: parent.model,
    prompt,
    seconds: parent.seconds,
    size: parent.size,
    parentId: parent.id,
    quotaReservation: reservation,
  });
}

/** Deletes the job, then its media, then (best effort) the provider's copy. */
export async function deleteVideo(caller: ResolvedCredential, id: string): Promise<void> {
  checkJobId(id);
  const job = await deleteJob(caller.ownerId, id);
  if (!job) throw notFound("There is no video with that id.");
  await deletePrefix(mediaFolder(job));
  if (job.referenceKey) await deletePrefix(job.referenceKey);
  const provider = getProvider(job.provider);
  await provider.delete?.(caller.providerCredential, job.providerJobId).catch((error: unknown) => {
    // The provider's copy lapses by itself; a failed delete there must not fail the person's.
    log.warn("provider delete failed", { jobId: job.id, error: (error as Error).name });
  });
}

export type Frame = "first" | "last";

/** An extracted frame of the caller's job; 409 while it is not extracted yet. */
async function ownFrame(
  caller: ResolvedCredential,
  id: string,
  frame: Frame,
): Promise<MediaObject> {
  const job = await ownJob(caller, id);
  const stored = job.media[frame === "first" ? "firstFrame" : "lastFrame"];
  if (!stored) {
    throw new TakesError(
      409,
      "frame_not_ready",
      job.status === "failed" || job.status === "expired"
        ? "This video has no frames: it never finished."
        : "The frame is not extracted yet; try again shortly.",
    );
  }
  return stored;
}

/** A short-lived URL for an extracted frame; 409 while it is not extracted yet. */
export async function frameUrl(caller: ResolvedCredential, id: string, frame: Frame) {
  return presignGet((await ownFrame(caller, id, frame)).key);
}

/**
 * The `referenceKey` that starts a new video from this job's frame: "last" continues it, "first"
 * restages its opening. Callers need not know how frames are stored.
 */
export async function frameReferenceKey(
  caller: ResolvedCredential,
  id: string,
  frame: Frame,
): Promise<string> {
  return (await ownFrame(caller, id, frame)).key;
}
