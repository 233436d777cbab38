import { ulid } from "ulid";
import { z } from "zod";
import type { ResolvedCredential } from "./credentials";
import { badRequest, notFound, TakesError } from "./errors";
import { log } from "./log";
import { fitReference } from "./media/reference";
import { deletePrefix, presignGet, putMedia } from "./media/storage";
import {
  isJobId,
  MEDIA_VARIANTS,
  mediaFolder,
  toPublicJob,
  type Job,
  type PublicJob,
} from "./jobs/model";
import { createJob, deleteJob, getJobForOwner, listJobs, MAX_PAGE_SIZE } from "./jobs/repository";
import { JOB_STATUSES } from "./jobs/state";
import { enqueuePoll } from "./polling/queue";
import { firstPollDelaySeconds } from "./polling/schedule";
import { defaultProvider, getProvider } from "./providers";
import { providerFailureToTakesError, type VideoProvider } from "./providers/contract";

/** Prompts past this length are refused, as the provider would refuse them. */
export const MAX_PROMPT_LENGTH = 4000;

const Prompt = z
  .string()
  .trim()
  .min(1, "Write a prompt.")
  .max(MAX_PROMPT_LENGTH, `Keep the prompt under ${MAX_PROMPT_LENGTH} characters.`);

/** Seconds arrive as a JSON number or, from a form, a string of digits. */
const Seconds = z.union([
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
});
export type VideoRequest = z.output<typeof VideoRequest>;

export const RemixRequest = z.object({ prompt: Prompt });

export const ListRequest = z.object({
  cursor: z.string().max(200).optional(),
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(24),
});

/** Checks a request against what the provider declares it can do, before anything is written. */
function checkCapabilities(provider: VideoProvider, request: VideoRequest) {
  const { models, sizes, seconds } = provider.capabilities;
  const oneOf = (values: readonly unknown[]) => values.join(", ");
  if (!models.includes(request.model)) {
    throw badRequest("unknown_model", `Choose a model from: ${oneOf(models)}.`);
  }
  if (!sizes.includes(request.size)) {
    throw badRequest("unknown_size", `Choose a size from: ${oneOf(sizes)}.`);
  }
  if (!seconds.includes(request.seconds)) {
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

async function mediaUrls(job: Job) {
  const entries = await Promise.all(
    MEDIA_VARIANTS.flatMap((variant) => {
      const stored = job.media[variant];
      return stored ? [presignGet(stored.key).then((url) => [variant, url] as const)] : [];
    }),
  );
  return Object.fromEntries(entries);
}

export const publicJob = async (job: Job): Promise<PublicJob> =>
  toPublicJob(job, await mediaUrls(job));

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

/**
 * A new generation. Everything is validated (and the reference fitted to the video's size) before
 * the provider is asked, and nothing is written unless it accepted the job.
 */
export async function createVideo(
  caller: ResolvedCredential,
  request: VideoRequest,
  reference?: Uint8Array,
): Promise<PublicJob> {
  const provider = request.provider ? getProvider(request.provider) : defaultProvider;
  checkCapabilities(provider, request);
  if (reference && !provider.capabilities.imageInput) {
    throw badRequest("reference_unsupported", `${provider.name} does not take reference images.`);
  }
  const fitted = reference && (await fitReference(reference, request.size));
  const { providerJobId } = await askProvider(() =>
    provider.create(caller.providerCredential, {
      model: request.model,
      prompt: request.prompt,
      seconds: request.seconds,
      size: request.size,
      ...(fitted && { reference: { bytes: fitted, contentType: "image/png" } }),
    }),
  );
  let referenceKey: string | undefined;
  if (fitted) {
    referenceKey = `references/${caller.ownerId}/${ulid()}.png`;
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

/** A new job from a finished one, with a new prompt, on the same provider and settings. */
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
  const remix = provider.remix.bind(provider);
  const { providerJobId } = await askProvider(() =>
    remix(caller.providerCredential, parent.providerJobId, prompt),
  );
  return recordNewJob(caller, {
    provider: provider.name,
    providerJobId,
    model: parent.model,
    prompt,
    seconds: parent.seconds,
    size: parent.size,
    parentId: parent.id,
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

/** A short-lived URL for an extracted frame; 409 while it is not extracted yet. */
export async function frameUrl(caller: ResolvedCredential, id: string, frame: Frame) {
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
  return presignGet(stored.key);
}
