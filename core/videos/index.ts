/**
 * The videos API's use cases: what a person can do with their takes. Each is a validated function
 * (core/fn.ts) that the API's handlers and the site's form actions both call. Reading takes lives
 * here; starting one (./create.ts, ./remix.ts, with ./start.ts) and deleting one (./delete.ts)
 * have modules of their own, so a Lambda that only reads loads none of the providers, sharp or
 * queues that those need.
 */
import type { ResolvedCredential } from "../credentials";
import { notFound, TakesError } from "../errors";
import { fn } from "../fn";
import type { Job } from "../jobs/model";
import { getJob, listChildJobs, listJobs } from "../jobs/repository";
import type { MediaObject } from "../media/layout";
import { presignDownload, presignGet } from "../media/storage";
import { FrameRequest, ListRequest, VideoRef, type Frame } from "../requests";
import type { VideoPage } from "../responses";
import { FRAME_MEDIA, jobView, listedJob, publicJob, type FrameMedia, type JobView } from "./view";

/**
 * The caller's job, or 404. Someone else's job answers exactly like a missing one, so ids cannot
 * be probed. Every use case that names a job by id goes through here.
 */
export async function ownJob(caller: ResolvedCredential, id: string): Promise<Job> {
  const job = await getJob(id);
  if (!job || job.owner !== caller.ownerId) throw notFound("There is no video with that id.");
  return job;
}

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
