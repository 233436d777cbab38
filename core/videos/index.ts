/**
 * The videos API's use cases: what a person can do with their takes. Each is a validated function
 * (core/fn.ts) that the API's handlers and the site's form actions both call.
 */
import { ulid } from "ulid";
import { Resource } from "sst";
import { credentialFor, providerFor, type ResolvedCredential } from "../credentials";
import { badRequest, notFound, TakesError } from "../errors";
import { fn, parse } from "../fn";
import { digest, once, type KeyedRequest } from "../idempotency";
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
import {
  incomingFolder,
  jobFolder,
  referenceKey,
  sharedFolder,
  type MediaObject,
} from "../media/layout";
import { deletePrefix, presignDownload, presignGet, putMedia } from "../media/storage";
import { queueProviderDelete } from "../pipeline/provider-deletes";
import { enqueuePoll } from "../pipeline/queue";
import { firstPollDelaySeconds } from "../pipeline/schedule";
import {
  askProvider,
  checkCapabilities,
  estimateCostUsd,
  findModel,
  getModel,
  getProvider,
  makesSound,
} from "../providers";
import type { VideoProvider } from "../providers/contract";
import { withReservedSeconds } from "../quota";
import { checkRateLimit } from "../rate-limit";
import { readOwnedReference, type StoredReference } from "../references";
import {
  FrameRequest,
  ListRequest,
  RemixRequest,
  StartHeaders,
  VideoRef,
  VideoRequest,
  type Frame,
} from "../requests";
import type { VideoPage } from "../responses";
import { startClock, TIME_BUDGETS, type RequestClock } from "../time-budgets";
import {
  FRAME_MEDIA,
  jobView,
  listedJob,
  publicJob,
  type FrameMedia,
  type JobView,
  type PublicJob,
} from "./view";

/**
 * The caller's job, or 404. Someone else's job answers exactly like a missing one, so ids cannot
 * be probed. Every use case that names a job by id goes through here.
 */
export async function ownJob(caller: ResolvedCredential, id: string): Promise<Job> {
  const job = await getJob(id);
  if (!job || job.owner !== caller.ownerId) throw notFound("There is no video with that id.");
  return job;
}

/** The caller's job with this id, as the API shows it; undefined when there is none. */
async function madeJob(caller: ResolvedCredential, id: string): Promise<PublicJob | undefined> {
  const job = await getJob(id);
  return job?.owner === caller.ownerId ? publicJob(job) : undefined;
}

/**
 * Records a job its provider accepted, with its own copies of its images, and starts polling it.
 * Until the record is written nothing holds the provider's job: if writing fails, the provider is
 * asked to cancel it (through ProviderDeletes, never awaited) and the error goes on, so the seconds
 * reserved for it are given back. Once written nothing fails the request: the sweeper heals a lost
 * first poll.
 */
async function recordNewJob(
  caller: ResolvedCredential,
  fields: NewJobFields & { id: string },
  images: { first?: Uint8Array; last?: Uint8Array } = {},
): Promise<PublicJob> {
  const delaySeconds = firstPollDelaySeconds(fields);
  let job: Job;
  try {
    job = await createJob({
      ...fields,
      // Every job keeps its own copies, even of stored images: deleting the job a frame came
      // from must not take the new job's images with it.
      referenceKey: await storeImage(caller, images.first),
      lastFrameKey: await storeImage(caller, images.last),
      estimatedCostUsd: estimateCostUsd(fields),
      owner: caller.ownerId,
      sealedCredential: caller.sealed,
      nextPollAt: Date.now() + delaySeconds * 1000,
    });
  } catch (error) {
    await queueProviderDelete({
      jobId: fields.id,
      provider: fields.provider,
      providerJobId: fields.providerJobId,
      model: fields.model,
      sealedCredential: caller.sealed,
    });
    throw error;
  }
  await enqueuePoll(job.id, delaySeconds).catch((error: unknown) => {
    log.warn("first poll not queued: the sweeper will find the job", {
      jobId: job.id,
      error: error as Error,
    });
  });
  return publicJob(job);
}

/** How a request that starts a job was sent. */
export interface StartOptions {
  /** The client's Idempotency-Key (checked by StartHeaders): a retry makes no second job. */
  idempotencyKey?: string;
  /** The request's clock, started as it began (by default, now): the provider gets what is left. */
  clock?: RequestClock;
}

/** The request under its key (400 for a malformed one), if it came with one: keys are per caller. */
function keyedRequest(
  caller: ResolvedCredential,
  key: string | undefined,
  request: unknown,
): KeyedRequest | undefined {
  const valid = parse(StartHeaders, { "idempotency-key": key })["idempotency-key"];
  return valid ? { owner: caller.ownerId, key: valid, request } : undefined;
}

/** Where a provider that takes a webhook URL per job should post: Takes' own webhook route. */
const webhookUrl = (provider: VideoProvider) =>
  "Api" in Resource
    ? `${Resource.Api.url.replace(/\/+$/, "")}/api/webhooks/${provider.name}`
    : undefined;

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

/** Keeps Takes' own copy of an image a job uses: deleting a job deletes it, and nothing else. */
async function storeImage(caller: ResolvedCredential, png: Uint8Array | undefined) {
  if (!png) return undefined;
  const key = referenceKey(caller.ownerId, ulid());
  await putMedia(key, png, "image/png");
  return key;
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

export const getVideo = fn(VideoRef, async (caller: ResolvedCredential, { id }) =>
  publicJob(await ownJob(caller, id)),
);

/** One of the caller's jobs as a card shows it: URLs for its thumbnail and sprite sheet only. */
export const getVideoCard = fn(VideoRef, async (caller: ResolvedCredential, { id }) =>
  listedJob(await ownJob(caller, id)),
);

/**
 * A page of the caller's jobs, newest first, as the library shows them: only the thumbnail and
 * sprite sheet are presigned (a card shows nothing else), so a page mints 2 URLs per job, not 5.
 */
export const listVideos = fn(
  ListRequest,
  async (caller: ResolvedCredential, request): Promise<VideoPage> => {
    const page = await listJobs(caller.ownerId, request);
    return { jobs: await Promise.all(page.jobs.map(listedJob)), nextCursor: page.nextCursor };
  },
);

/** A page of the caller's jobs with URLs for their first and last frames only (a frame picker). */
export const listVideoFrames = fn(
  ListRequest,
  async (caller: ResolvedCredential, request): Promise<{ jobs: JobView<FrameMedia>[] }> => {
    const page = await listJobs(caller.ownerId, request);
    return { jobs: await Promise.all(page.jobs.map((job) => jobView(job, FRAME_MEDIA))) };
  },
);

/**
 * The videos made from the caller's video `id` (remixes, continuations), newest first, as cards
 * (the job page shows them so): URLs for their thumbnails and sprite sheets only.
 */
export const listChildVideos = fn(VideoRef, async (caller: ResolvedCredential, { id }) => {
  const children = await listChildJobs(caller.ownerId, id);
  return Promise.all(children.map(listedJob));
});

/**
 * A new job from a finished one, with a new prompt, on the same provider and settings. Limited,
 * paid for, timed and made once per Idempotency-Key as a new video is (see createVideo), from the
 * "remix" budget.
 */
export const remixVideo = fn(
  RemixRequest,
  async (
    caller: ResolvedCredential,
    { id, prompt },
    { idempotencyKey, clock = startClock(TIME_BUDGETS.startVideo) }: StartOptions = {},
  ): Promise<PublicJob> => {
    const parent = await ownJob(caller, id);
    const provider = getProvider(parent.provider);
    if (!provider.remix || !findModel(provider, parent.model)?.remix) {
      throw badRequest("remix_unsupported", `${provider.label} cannot remix this video.`);
    }
    const credential = credentialFor(caller, provider);
    if (parent.status !== "completed") {
      throw new TakesError(409, "not_completed", "Only a completed video can be remixed.");
    }
    const remix = provider.remix.bind(provider);
    return once(keyedRequest(caller, idempotencyKey, { remix: { id, prompt } }), {
      endsAt: clock.endsAt,
      replay: (jobId) => madeJob(caller, jobId),
      start: async (jobId) => {
        await checkRateLimit(caller.ownerId, "remix");
        const { result } = await withReservedSeconds(
          caller,
          parent.seconds,
          async (reservation) => {
            const time = clock.providerCall();
            const { providerJobId } = await askProvider(
              () => remix(credential, parent, { jobId, prompt, time }),
              time,
            );
            return recordNewJob(caller, {
              id: jobId,
              provider: provider.name,
              providerJobId,
              model: parent.model,
              prompt,
              seconds: parent.seconds,
              size: parent.size,
              sound: parent.sound,
              parentId: parent.id,
              quotaReservation: reservation,
            });
          },
        );
        return result;
      },
    });
  },
);

/**
 * Deletes the job, then its media. The provider's copy (a running job cancelled, so no more work
 * is billed; a finished one's files deleted) is queued for the ProviderDeletes worker and never
 * awaited here: a slow or unavailable provider must not hold up, or fail, the person's delete.
 */
export const deleteVideo = fn(VideoRef, async (caller: ResolvedCredential, { id }) => {
  const job = await deleteJob(caller.ownerId, id);
  if (!job) throw notFound("There is no video with that id.");
  await queueProviderDelete({
    jobId: job.id,
    provider: job.provider,
    providerJobId: job.providerJobId,
    model: job.model,
    // The key that made the job: still sealed on it while it runs, else the caller's own.
    sealedCredential: job.sealedCredential ?? caller.sealed,
  });
  await deletePrefix(jobFolder(job));
  // The copies its share links played go with it.
  await deletePrefix(sharedFolder(job.id));
  // What a provider may still write into the bucket for it is expired by the bucket's lifecycle.
  await deletePrefix(incomingFolder(job.id));
  for (const image of [job.referenceKey, job.lastFrameKey]) if (image) await deletePrefix(image);
});

/** An extracted frame of the caller's job; 409 while it is not extracted yet. */
async function ownFrame(
  caller: ResolvedCredential,
  id: string,
  frame: Frame,
): Promise<MediaObject> {
  const job = await ownJob(caller, id);
  const stored = job.media[frame === "first" ? "firstFrame" : "lastFrame"];
  if (!stored && job.framesError) {
    throw new TakesError(409, job.framesError.code, job.framesError.message);
  }
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
