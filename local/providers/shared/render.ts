/**
 * Renders what a "generated" video looks like: a real H.264 MP4 of exactly the requested size and
 * duration (a moving test pattern tinted by the prompt, opening on the reference image when there
 * is one, with the prompt written on it), plus the WebP thumbnail and sprite sheet OpenAI offered
 * as content variants. One ffmpeg run writes all three, so the video is encoded once and never
 * decoded again.
 *
 * At most MAX_FFMPEG_PROCESSES ffmpeg processes run at once (the rest queue), so a burst of jobs
 * cannot starve the machine the tests run on.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runFfmpeg } from "#core/media/ffmpeg";
import { FONT_FILE, wrapPrompt } from "./prompt";

export const VIDEO_FILE = "video.mp4";
export const THUMBNAIL_FILE = "thumbnail.webp";
export const SPRITESHEET_FILE = "spritesheet.webp";

const MAX_FFMPEG_PROCESSES = 2;
const FPS = 24;
/** A 12 s 1792x1024 clip renders in a few seconds; this only catches a hung process. */
const FFMPEG_TIMEOUT_MS = 120_000;
const THUMBNAIL_WIDTH = 320;
const SPRITE_GRID = 10;
/** The long side of one sprite tile (160x90 for a landscape video, 90x160 for a portrait one). */
const SPRITE_TILE_LONG_SIDE = 160;
/** How long the reference image holds before it fades into the moving pattern. */
const MAX_REFERENCE_SECONDS = 2;
const REFERENCE_FADE_SECONDS = 0.5;

export interface RenderRequest {
  /** The job's folder; the outputs are written into it. */
  dir: string;
  prompt: string;
  seconds: number;
  width: number;
  height: number;
  /** A PNG of exactly width x height: the clip's opening frames, as "continue from" expects. */
  referenceImage?: string;
}

/**
 * Escapes a value for a filter option inside a filtergraph: once for the option parser (`\ ' :`),
 * once for the graph parser (`\ ' [ ] , ;`), as ffmpeg-filters "filtergraph escaping" describes.
 */
function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, "\\$&");
  return optionLevel.replace(/[\\'[\],;]/g, "\\$&");
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

export class Renderer {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Aborting it kills every running ffmpeg and refuses queued ones (on shutdown). */
  private readonly shutdown = new AbortController();
  /** Running ffmpeg processes, so close() can wait until they are really gone. */
  private readonly processes = new Set<Promise<unknown>>();

  /** Writes VIDEO_FILE, THUMBNAIL_FILE and SPRITESHEET_FILE into `request.dir`. */
  async render(request: RenderRequest, signal?: AbortSignal): Promise<void> {
    const { dir, prompt, seconds, width, height, referenceImage } = request;
    const fontSize = Math.max(16, Math.round(Math.min(width, height) / 24));
    const textFile = join(dir, "prompt.txt");
    // The prompt goes through a file with expansion off: nothing a user types reaches the graph.
    await writeFile(textFile, wrapPrompt(prompt, Math.floor(width / (fontSize * 0.62))));

    // Different prompts get differently tinted patterns; the same prompt always the same one.
    const hue = createHash("sha256").update(prompt).digest().readUInt16BE(0) % 360;
    const referenceSeconds = Math.min(MAX_REFERENCE_SECONDS, seconds / 2);
    const landscape = width >= height;
    const tileWidth = landscape
      ? SPRITE_TILE_LONG_SIDE
      : even((SPRITE_TILE_LONG_SIDE * width) / height);
    const tileHeight = landscape
      ? even((SPRITE_TILE_LONG_SIDE * height) / width)
      : SPRITE_TILE_LONG_SIDE;

    const background = referenceImage
      ? `[2:v]format=rgba,fade=t=out:st=${referenceSeconds - REFERENCE_FADE_SECONDS}` +
        `:d=${REFERENCE_FADE_SECONDS}:alpha=1[reference];` +
        `[0:v]hue=h=${hue}[pattern];` +
        `[pattern][reference]overlay=eof_action=pass:format=rgb,`
      : `[0:v]hue=h=${hue},`;
    const graph =
      background +
      `drawtext=fontfile=${escapeFilterValue(FONT_FILE)}` +
      `:textfile=${escapeFilterValue(textFile)}:expansion=none` +
      `:fontsize=${fontSize}:fontcolor=white:line_spacing=${Math.round(fontSize / 4)}` +
      `:box=1:boxcolor=black@0.55:boxborderw=${Math.round(fontSize / 2)}` +
      `:x=(w-text_w)/2:y=h-text_h-h/10,` +
      // Converted with the BT.709 matrix it is tagged with, so players show the same colours.
      `scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,split=3[video][thumb][sprite];` +
      `[thumb]trim=start=${Math.min(1, seconds / 2)},setpts=PTS-STARTPTS,` +
      `scale=${THUMBNAIL_WIDTH}:-2[thumbnail];` +
      `[sprite]fps=${SPRITE_GRID * SPRITE_GRID}/${seconds},scale=${tileWidth}:${tileHeight},` +
      `tile=${SPRITE_GRID}x${SPRITE_GRID}[spritesheet]`;

    await this.ffmpeg(
      [
        "-y",
        ...[
          "-f",
          "lavfi",
          "-i",
          `testsrc2=size=${width}x${height}:rate=${FPS}:duration=${seconds}`,
        ],
        ...["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"],
        ...(referenceImage
          ? // Our own PNG, read as exactly that: no pattern expansion, no other protocols.
            ["-f", "image2", "-pattern_type", "none", "-protocol_whitelist", "file"].concat(
              ["-loop", "1", "-framerate", String(FPS), "-t", String(referenceSeconds)],
              ["-i", referenceImage],
            )
          : []),
        ...["-filter_complex", graph],
        ...["-map", "[video]", "-map", "1:a", "-t", String(seconds)],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        ...["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"],
        ...["-color_range", "tv", "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart"],
        join(dir, VIDEO_FILE),
        ...["-map", "[thumbnail]", "-frames:v", "1", "-c:v", "libwebp", join(dir, THUMBNAIL_FILE)],
        ...["-map", "[spritesheet]", "-frames:v", "1", "-c:v", "libwebp"],
        join(dir, SPRITESHEET_FILE),
      ],
      signal,
    );
  }

  /** Kills running renders, refuses queued ones, and resolves once every process has exited. */
  async close() {
    this.shutdown.abort(new Error("provider emulator shutting down"));
    for (const wake of this.waiting.splice(0)) {
      this.running++; // each woken waiter holds a slot it will release()
      wake();
    }
    await Promise.allSettled([...this.processes]);
  }

  private async ffmpeg(args: string[], jobSignal: AbortSignal | undefined): Promise<void> {
    const signal = jobSignal
      ? AbortSignal.any([this.shutdown.signal, jobSignal])
      : this.shutdown.signal;
    await this.acquire();
    try {
      signal.throwIfAborted();
      const run = runFfmpeg(args, { timeoutMs: FFMPEG_TIMEOUT_MS, signal });
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
