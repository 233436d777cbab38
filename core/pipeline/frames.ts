/**
 * The frames step: a stored video's S3 event brings its job's first and last frame, and a
 * thumbnail and sprite sheet when the provider gave none. It runs as soon as the video lands,
 * possibly before the copier has marked the job completed.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getJob, recordMedia } from "../jobs/repository";
import type { Job, JobMedia } from "../jobs/model";
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

export type FramesOutcome =
  /** Not a job's video key. */
  | "ignored"
  /** The job is gone; nothing to do. */
  | "missing"
  | "extracted"
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
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
