/**
 * Renders what a "generated" video looks like: a real H.264 MP4 of exactly the requested size and
 * duration (moving test pattern, or the reference image slowly panning, with the prompt written
 * on it), plus the WebP thumbnail and sprite sheet OpenAI offered as content variants.
 *
 * At most MAX_FFMPEG_PROCESSES ffmpeg processes run at once (the rest queue), so a burst of jobs
 * cannot starve the machine the tests run on.
 */
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runFfmpeg } from "../../core/media/ffmpeg";
import { wrapPrompt } from "./prompt";

export const VIDEO_FILE = "video.mp4";
export const THUMBNAIL_FILE = "thumbnail.webp";
export const SPRITESHEET_FILE = "spritesheet.webp";

const MAX_FFMPEG_PROCESSES = 2;
const FPS = 24;
/** A 12 s 1792x1024 clip renders in a few seconds; this only catches a hung process. */
const FFMPEG_TIMEOUT_MS = 120_000;
const THUMBNAIL_WIDTH = 320;
const SPRITE_GRID = 10;
const SPRITE_TILE_WIDTH = 160;

export interface RenderRequest {
  /** The job's folder; the outputs are written into it. */
  dir: string;
  prompt: string;
  seconds: number;
  width: number;
  height: number;
  /** A PNG of exactly width x height, used as the moving background. */
  referenceImage?: string;
}

const fontFile = join(
  dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")),
  "ttf",
  "DejaVuSans.ttf",
);

/**
 * Escapes a value for a filter option inside a filtergraph: once for the option parser (`\ ' :`),
 * once for the graph parser (`\ ' [ ] , ;`), as ffmpeg-filters "filtergraph escaping" describes.
 */
function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, "\\$&");
  return optionLevel.replace(/[\\'[\],;]/g, "\\$&");
}

export class Renderer {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Aborting it kills every running ffmpeg and refuses queued ones (on shutdown). */
  private readonly shutdown = new AbortController();
  /** Running ffmpeg processes, so close() can wait until they are really gone. */
  private readonly processes = new Set<Promise<unknown>>();

  async render(request: RenderRequest): Promise<void> {
    const { dir, prompt, seconds, width, height, referenceImage } = request;
    const fontSize = Math.max(16, Math.round(Math.min(width, height) / 24));
    const textFile = join(dir, "prompt.txt");
    // The prompt goes through a file with expansion off: nothing a user types reaches the graph.
    await writeFile(textFile, wrapPrompt(prompt, Math.floor(width / (fontSize * 0.62))));

    const video = join(dir, VIDEO_FILE);
    await this.ffmpeg([
      ...backgroundInputs(seconds, width, height, referenceImage),
      "-f",
      "lavfi",
      "-i",
      "anullsrc=channel_layout=stereo:sample_rate=48000",
      "-filter_complex",
      `[0:v]${backgroundFilter(width, height, referenceImage)}` +
        `drawtext=fontfile=${escapeFilterValue(fontFile)}` +
        `:textfile=${escapeFilterValue(textFile)}:expansion=none` +
        `:fontsize=${fontSize}:fontcolor=white:line_spacing=${Math.round(fontSize / 4)}` +
        `:box=1:boxcolor=black@0.55:boxborderw=${Math.round(fontSize / 2)}` +
        `:x=(w-text_w)/2:y=h-text_h-h/10[v]`,
      "-map",
      "[v]",
      "-map",
      "1:a",
      "-t",
      String(seconds),
      "-r",
      String(FPS),
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
      "-color_primaries",
      "bt709",
      "-color_trc",
      "bt709",
      "-colorspace",
      "bt709",
      "-c:a",
      "aac",
      "-b:a",
      "64k",
      "-shortest",
      "-movflags",
      "+faststart",
      "-y",
      video,
    ]);

    const tileHeight = Math.round((SPRITE_TILE_WIDTH * height) / width / 2) * 2;
    await Promise.all([
      this.ffmpeg([
        ...["-ss", String(Math.min(1, seconds / 2)), "-i", video],
        ...["-an", "-frames:v", "1", "-vf", `scale=${THUMBNAIL_WIDTH}:-2`],
        ...["-c:v", "libwebp", "-y", join(dir, THUMBNAIL_FILE)],
      ]),
      this.ffmpeg([
        ...["-i", video, "-an", "-frames:v", "1"],
        "-vf",
        `fps=${SPRITE_GRID * SPRITE_GRID}/${seconds},scale=${SPRITE_TILE_WIDTH}:${tileHeight},` +
          `tile=${SPRITE_GRID}x${SPRITE_GRID}`,
        ...["-c:v", "libwebp", "-y", join(dir, SPRITESHEET_FILE)],
      ]),
    ]);
  }

  /** Kills running renders, refuses queued ones, and resolves once every process has exited. */
  async close() {
    this.shutdown.abort(new Error("provider emulator shutting down"));
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.allSettled([...this.processes]);
  }

  private async ffmpeg(args: string[]): Promise<void> {
    await this.acquire();
    try {
      this.shutdown.signal.throwIfAborted();
      const run = runFfmpeg(args, { timeoutMs: FFMPEG_TIMEOUT_MS, signal: this.shutdown.signal });
      this.processes.add(run);
      await run.finally(() => this.processes.delete(run));
    } finally {
      this.release();
    }
  }

  private async acquire() {
    if (this.running < MAX_FFMPEG_PROCESSES) {
      this.running++;
      return;
    }
    // release() hands its slot straight to the next waiter, so the count stays right.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

function backgroundInputs(
  seconds: number,
  width: number,
  height: number,
  referenceImage: string | undefined,
): string[] {
  if (referenceImage) {
    return ["-loop", "1", "-framerate", String(FPS), "-t", String(seconds), "-i", referenceImage];
  }
  return ["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${FPS}:duration=${seconds}`];
}

/**
 * With a reference image: enlarge it by a fifth and drift across it, so the clip moves while
 * staying clearly the reference. Ends with a comma, ready for the drawtext filter.
 */
function backgroundFilter(width: number, height: number, referenceImage: string | undefined) {
  if (!referenceImage) return "";
  const even = (n: number) => Math.round(n / 2) * 2;
  return (
    `scale=${even(width * 1.2)}:${even(height * 1.2)},` +
    `crop=${width}:${height}:x=(in_w-out_w)*(0.5-0.5*cos(t*0.8)):y=(in_h-out_h)*(0.5+0.5*sin(t*0.6)),` +
    `setsar=1,format=yuv420p,`
  );
}
