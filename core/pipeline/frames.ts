/**
 * Frames from a stored video, with ffmpeg: the first and last frame as PNGs at the video's own
 * size (for "continue from the last frame" and the frame routes), and a WebP thumbnail and sprite
 * sheet when the provider gave none. Runs on the video's S3 event, possibly before the copier has
 * marked the job completed.
 *
 * The ffmpeg build on Lambda is old (notes/ffmpeg.md), so it only ever reads a file Takes itself
 * stored, with the input format forced, every protocol but plain files refused, and a timeout.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getJob, recordMedia } from "../jobs/repository";
import {
  MEDIA_FILES,
  mediaFolder,
  mediaKey,
  parseVideoKey,
  type Job,
  type JobMedia,
  type MediaVariant,
} from "../jobs/model";
import { runFfmpeg } from "./ffmpeg";
import { deletePrefix, downloadMedia, mediaExists, putMedia } from "./storage";

/** Per ffmpeg run; the worst case measured (a 20 s 1080p single-keyframe video) took ~6 s. */
const FFMPEG_TIMEOUT_MS = 30_000;
const THUMBNAIL_WIDTH = 320;
/** The sprite sheet: SPRITE_COLUMNS × SPRITE_ROWS tiles, evenly spread over the video. */
const SPRITE_COLUMNS = 10;
const SPRITE_ROWS = 10;
const SPRITE_TILE_WIDTH = 160;

/** Input options for every run: only the local MP4 file, read as MP4 and nothing else. */
const input = (file: string) => ["-protocol_whitelist", "file", "-f", "mp4", "-i", file];
/** One PNG out, video only; `-update` tells the image muxer that one file is meant. */
const onePng = (file: string) => ["-an", "-frames:v", "1", "-update", "1", file];
/** One WebP image out, video only. */
const oneWebp = (file: string) => ["-an", "-frames:v", "1", "-c:v", "libwebp", file];

type FrameVariant = Extract<MediaVariant, "firstFrame" | "lastFrame" | "thumbnail" | "spritesheet">;

/** The ffmpeg arguments that make each variant from `video` (its length in seconds) into `out`. */
export const FRAME_COMMANDS: Record<
  FrameVariant,
  (video: string, seconds: number, out: string) => string[]
> = {
  firstFrame: (video, _seconds, out) => [...input(video), ...onePng(out)],
  // Seek to the last second and play it backwards: the first frame out is the last one in. Only
  // that second is decoded, never the whole video.
  lastFrame: (video, _seconds, out) => [
    "-sseof",
    "-1",
    ...input(video),
    "-vf",
    "reverse",
    ...onePng(out),
  ],
  thumbnail: (video, seconds, out) => [
    // One second in (or half-way through a shorter clip) rather than a fade-in's black frame.
    "-ss",
    String(Math.min(1, seconds / 2)),
    ...input(video),
    "-vf",
    `scale=${THUMBNAIL_WIDTH}:-2`,
    ...oneWebp(out),
  ],
  spritesheet: (video, seconds, out) => [
    // Reference frames are plenty for 100 small tiles and spare decoding the rest.
    "-skip_frame",
    "noref",
    ...input(video),
    "-vf",
    `fps=${(SPRITE_COLUMNS * SPRITE_ROWS) / Math.max(seconds, 1)},` +
      `scale=${SPRITE_TILE_WIDTH}:-2,tile=${SPRITE_COLUMNS}x${SPRITE_ROWS}`,
    ...oneWebp(out),
  ],
};

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
    const video = join(work, "video.mp4");
    await downloadMedia(videoKey, video);
    const media: JobMedia = {};
    for (const variant of await variantsToMake(job)) {
      const { file, contentType } = MEDIA_FILES[variant];
      const out = join(work, file);
      await runFfmpeg(FRAME_COMMANDS[variant](video, job.seconds, out), {
        timeoutMs: FFMPEG_TIMEOUT_MS,
      });
      // A frame is at most a few MB, so it goes up in one request.
      const bytes = await readFile(out);
      const key = mediaKey(job, variant);
      await putMedia(key, bytes, contentType);
      media[variant] = { key, contentType, bytes: bytes.byteLength };
    }
    if (await recordMedia(job, media)) return "extracted";
    await deletePrefix(mediaFolder(job));
    return "deleted";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
