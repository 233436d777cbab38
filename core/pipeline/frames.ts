/**
 * The frames step: a stored video's S3 event brings its job's first and last frame, and a
 * thumbnail and sprite sheet when the provider gave none. It runs as soon as the video lands,
 * possibly before the copier has marked the job completed.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getJob, recordFramesError, recordMedia } from "../jobs/repository";
import type { Job, JobError, JobMedia } from "../jobs/model";
import { log } from "../log";
import { MediaUnreadable } from "../media/ffmpeg";
import { makeFrame, type FrameVariant } from "../media/frames";
import { jobFolder, MEDIA_FILES, mediaKey, parseVideoKey } from "../media/layout";
import { deletePrefix, downloadMedia, mediaExists, putMedia } from "../media/storage";

/** The frames always made, and the thumbnail and sprite sheet unless already stored. */
async function variantsToMake(job: Job): Promise<FrameVariant[]> {
  const made: FrameVariant[] = ["firstFrame", "lastFrame"];
  for (const variant of ["thumbnail", "spritesheet"] as const) {
    // The copier stores the provider's before the video, but records them only on completion,
    // which may come after this runs: the bucket is the one to ask.
    const stored = job.media[variant] ?? (await mediaExists(mediaKey(job, variant)));
    if (!stored) made.push(variant);
  }
  return made;
}

/** What the person reads when their video's frames cannot be made. */
export function unreadableVideoError(error: MediaUnreadable): JobError {
  return {
    code: "frames_unavailable",
    message: error.timedOut
      ? "Takes could not read this video in time to make its frames; the video itself is kept."
      : "This video's file is damaged, so Takes could not make its frames; the video itself is kept.",
  };
}

export type FramesOutcome =
  /** Not a job's video key. */
  | "ignored"
  /** The job is gone; nothing to do. */
  | "missing"
  | "extracted"
  /** ffmpeg could not read the video: the job records why, and retrying would not help. */
  | "unreadable"
  /** The job was deleted while its frames were made; they were deleted too. */
  | "deleted";

/** Makes and stores the frames of the video at `videoKey` (as S3 names it, decoded). */
export async function extractFrames(videoKey: string): Promise<FramesOutcome> {
  const ref = parseVideoKey(videoKey);
  if (!ref) return "ignored";
  const job = await getJob(ref.jobId);
  if (!job || job.owner !== ref.owner) return "missing";

  const work = await mkdtemp(join(tmpdir(), "takes-frames-"));
  try {
    const video = join(work, MEDIA_FILES.video.file);
    await downloadMedia(videoKey, video);
    const media: JobMedia = {};
    for (const variant of await variantsToMake(job)) {
      const { file, contentType } = MEDIA_FILES[variant];
      const out = join(work, file);
      await makeFrame(variant, video, job.seconds, out);
      // A frame is at most a few MB, so it goes up in one request.
      const bytes = await readFile(out);
      const key = mediaKey(job, variant);
      await putMedia(key, bytes, contentType);
      media[variant] = { key, contentType, bytes: bytes.byteLength };
    }
    if (await recordMedia(job, media)) return "extracted";
    await deletePrefix(jobFolder(job));
    return "deleted";
  } catch (error) {
    if (!(error instanceof MediaUnreadable)) throw error;
    log.warn("video unreadable", { jobId: job.id, error });
    // Frames made before ffmpeg gave up stay: a first frame is still worth continuing from.
    return (await recordFramesError(job, unreadableVideoError(error))) ? "unreadable" : "missing";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
