/**
 * Frames from a video file, with ffmpeg: the first and last frame as PNGs at the video's own size
 * (for "continue from the last frame" and the frame routes), and a WebP thumbnail and sprite sheet.
 *
 * The ffmpeg build on Lambda is old (docs/notes/ffmpeg.md), so it only ever reads a file Takes
 * itself stored, with the input format forced, every protocol but plain files refused, and a
 * timeout.
 */
import type { MediaVariant } from "./layout";
import { runFfmpeg } from "./ffmpeg";

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

export type FrameVariant = Extract<
  MediaVariant,
  "firstFrame" | "lastFrame" | "thumbnail" | "spritesheet"
>;

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

/** Makes `variant` of the video file `video` (`seconds` long) into the file `out`. */
export const makeFrame = (variant: FrameVariant, video: string, seconds: number, out: string) =>
  runFfmpeg(FRAME_COMMANDS[variant](video, seconds, out), { timeoutMs: FFMPEG_TIMEOUT_MS });
