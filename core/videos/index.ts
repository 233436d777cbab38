/**
 * The videos API's use cases: what a person can do with their takes. Each is a validated function
 * (core/fn.ts) that the API's handlers and the site's form actions both call.
 */
import { ulid } from "ulid";
import type { ResolvedCredential } from "../credentials";
import { badRequest, notFound, TakesError } from "../errors";
import { fn } from "../fn";
import type { Job } from "../jobs/model";
import {
  createJob,
  deleteJob,
  getJob,
  listChildJobs,
  listJobs,
  type NewJobFields,
} from "../jobs/repository";
import { log } from "../log";
import { fitReference } from "../media/fit";
import { jobFolder, referenceKey, type MediaObject } from "../media/layout";
import { deletePrefix, presignDownload, presignGet, putMedia } from "../media/storage";
import { enqueuePoll } from "../pipeline/queue";
import { firstPollDelaySeconds } from "../pipeline/schedule";
import { askProvider, checkCapabilities, defaultProvider, getProvider } from "../providers";
import type { VideoProvider } from "../providers/contract";
import { withReservedSeconds } from "../quota";
import { checkRateLimit } from "../rate-limit";
import { readOwnedReference } from "../references";
import {
  FrameRequest,
  ListRequest,
  RemixRequest,
  VideoRef,
  VideoRequest,
  type Frame,
} from "../requests";
import { publicJob, type PublicJob } from "./view";

/**
 * The caller's job, or 404. Someone else's job answers exactly like a missing one, so ids cannot
 * be probed. Every use case that names a job by id goes through here.
 */
export async function ownJob(caller: ResolvedCredential, id: string): Promise<Job> {
  const job = await getJob(id);
  if (!job || job.owner !== caller.ownerId) throw notFound("There is no video with that id.");
  return job;
}

/** Starts polling a job the provider accepted; the sweeper heals a lost first message. */
async function recordNewJob(caller: ResolvedCredential, fields: NewJobFields): Promise<PublicJob> {
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
      "reference",
    );
  }
  if ((upload || key) && !provider.capabilities.imageInput) {
    throw badRequest(
      "reference_unsupported",
      `${provider.name} does not take reference images.`,
      "reference",
    );
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
export const createVideo = fn(
  VideoRequest,
  async (caller: ResolvedCredential, request, upload?: Uint8Array): Promise<PublicJob> => {
    const provider = request.provider ? getProvider(request.provider) : defaultProvider;
    checkCapabilities(provider, request);
    await checkRateLimit(caller.ownerId, "create");
    const reference = await referenceFor(caller, provider, request, upload);
    const png = reference?.png;
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
          ...(png && { reference: { bytes: png, contentType: "image/png" } }),
        }),
      ),
    );
    // Every job keeps its own copy, even of a stored image: deleting a job deletes its reference,
    // and deleting the job a frame came from must not take the new job's reference with it.
    let storedReference: string | undefined;
    if (png) {
      storedReference = referenceKey(caller.ownerId, ulid());
      await putMedia(storedReference, png, "image/png");
    }
    return recordNewJob(caller, {
      provider: provider.name,
      providerJobId,
      model: request.model,
      prompt: request.prompt,
      seconds: request.seconds,
      size: request.size,
      referenceKey: storedReference,
      // A video started from another's frame descends from it, as a remix does.
      parentId: reference?.continuesJobId,
      quotaReservation: reservation,
    });
  },
);

export const getVideo = fn(VideoRef, async (caller: ResolvedCredential, { id }) =>
  publicJob(await ownJob(caller, id)),
);

export const listVideos = fn(ListRequest, async (caller: ResolvedCredential, request) => {
  const page = await listJobs(caller.ownerId, request);
  return { jobs: await Promise.all(page.jobs.map(publicJob)), nextCursor: page.nextCursor };
});

/** The videos made from the caller's video `id` (remixes, continuations), newest first. */
export const listChildVideos = fn(VideoRef, async (caller: ResolvedCredential, { id }) => {
  const children = await listChildJobs(caller.ownerId, id);
  return Promise.all(children.map(publicJob));
});

/**
 * A new job from a finished one, with a new prompt, on the same provider and settings. Limited and
 * paid for as a new video is (see createVideo), from the "remix" budget.
 */
export const remixVideo = fn(
  RemixRequest,
  async (caller: ResolvedCredential, { id, prompt }): Promise<PublicJob> => {
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
  },
);

/** Deletes the job, then its media, then (best effort) the provider's copy. */
export const deleteVideo = fn(VideoRef, async (caller: ResolvedCredential, { id }) => {
  const job = await deleteJob(caller.ownerId, id);
  if (!job) throw notFound("There is no video with that id.");
  await deletePrefix(jobFolder(job));
  if (job.referenceKey) await deletePrefix(job.referenceKey);
  const provider = getProvider(job.provider);
  await provider.delete?.(caller.providerCredential, job.providerJobId).catch((error: unknown) => {
    // The provider's copy lapses by itself; a failed delete there must not fail the person's.
    log.warn("provider delete failed", { jobId: job.id, error: (error as Error).name });
  });
});

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
export const frameUrl = fn(FrameRequest, async (caller: ResolvedCredential, { id, frame }) =>
  presignGet((await ownFrame(caller, id, frame)).key),
);

/**
 * The `referenceKey` that starts a new video from this job's frame: "last" continues it, "first"
 * restages its opening. Callers need not know how frames are stored.
 */
export const frameReferenceKey = fn(
  FrameRequest,
  async (caller: ResolvedCredential, { id, frame }) => (await ownFrame(caller, id, frame)).key,
);

/** "A paper boat, drifting!" → "a-paper-boat-drifting": safe in any file system and header. */
export function fileSlug(text: string, maxLength = 48): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxLength)
    .replace(/-+$/, "");
  return slug || "take";
}

/**
 * A short-lived URL that downloads the caller's finished video as a file (Content-Disposition:
 * attachment), named after its prompt. The player's URL would open it in the browser instead, and
 * a cross-origin link's `download` attribute is ignored.
 */
export const videoDownloadUrl = fn(VideoRef, async (caller: ResolvedCredential, { id }) => {
  const job = await ownJob(caller, id);
  const video = job.media.video;
  if (!video) {
    throw new TakesError(409, "not_completed", "This video is not ready to download.");
  }
  const filename = `takes-${fileSlug(job.prompt)}-${job.id.slice(-6).toLowerCase()}.mp4`;
  return presignDownload(video.key, filename, video.contentType);
});
