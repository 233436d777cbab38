/**
 * Last-frame extraction as Takes does it (core/media/frames.ts: seek to one second before the end
 * and play that second backwards) against decoding every frame and keeping the last, on two
 * rendered clips: a typical one (720p, 12 s, a keyframe every 2 s) and the worst case (1080p,
 * 20 s, a single keyframe, so no seek can skip anything). Both must give the same picture.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import sharp from "sharp";
import { ffmpegPath, runFfmpeg } from "#core/media/ffmpeg";
import { ffprobePath } from "#local/ffprobe";
import { fixed, median, printHeading, printTable, ratio, timed } from "./support";
import { FRAME_COMMANDS } from "#core/media/frames";

const RUNS = 5;
const FPS = 24;
const ffmpegTimeout = { timeoutMs: 120_000 };
/** Largest mean per-channel difference (0–255) that still counts as the same frame. */
const SAME_FRAME_MEAN_DIFFERENCE = 0.5;

interface Clip {
  name: string;
  width: number;
  height: number;
  seconds: number;
  /** Frames between keyframes; a clip's length or more means one keyframe. */
  gop: number;
}

const CLIPS: Clip[] = [
  { name: "720p 12 s, keyframe every 2 s", width: 1280, height: 720, seconds: 12, gop: 2 * FPS },
  { name: "1080p 20 s, one keyframe", width: 1920, height: 1080, seconds: 20, gop: 20 * FPS + 1 },
];

/** A clip like a provider's: moving test pattern, H.264 (CABAC, B-frames), bt709, silent AAC. */
async function render(clip: Clip, file: string) {
  const { width, height, seconds, gop } = clip;
  await runFfmpeg(
    [
      ...["-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${FPS}:duration=${seconds}`],
      ...["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"],
      ...["-map", "0:v", "-map", "1:a", "-t", String(seconds)],
      ...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"],
      // A fixed GOP: no scene-cut keyframes, so the keyframes are exactly where we say.
      ...["-g", String(gop), "-keyint_min", String(gop), "-sc_threshold", "0"],
      ...["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"],
      ...["-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", "-y", file],
    ],
    ffmpegTimeout,
  );
}

/** The number of video frames the container declares (metadata; nothing is decoded). */
function frameCount(file: string): number {
  const probe = spawnSync(
    ffprobePath(),
    [
      ...["-v", "error", "-select_streams", "v:0"],
      ...["-show_entries", "stream=nb_frames", "-of", "csv=p=0", file],
    ],
    { encoding: "utf8" },
  );
  const frames = Number(probe.stdout.trim());
  if (probe.status !== 0 || !Number.isInteger(frames) || frames <= 0) {
    throw new Error(`ffprobe could not count the frames of ${file}: ${probe.stderr}`);
  }
  return frames;
}

/** Takes' own command (core/media/frames.ts): seek to the last second, reverse it, take one frame. */
const takesLastFrame = (video: string, out: string) => FRAME_COMMANDS.lastFrame(video, 0, out);

/** The baseline: decode every frame from the start and keep only the last (frame `frames - 1`). */
const decodeEverything = (video: string, out: string, frames: number) => [
  ...["-protocol_whitelist", "file", "-f", "mp4", "-i", video],
  ...["-vf", `select=eq(n\\,${frames - 1})`, "-an", "-frames:v", "1", "-update", "1", out],
];

/** Mean and largest per-channel difference between two PNGs of the same size. */
async function compare(a: string, b: string) {
  const [left, right] = await Promise.all(
    [a, b].map((file) => sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  if (!left || !right) throw new Error("missing image");
  const { width, height } = left.info;
  if (width !== right.info.width || height !== right.info.height) {
    throw new Error(
      `frames differ in size: ${width}x${height} vs ${right.info.width}x${right.info.height}`,
    );
  }
  let sum = 0;
  let max = 0;
  for (let index = 0; index < left.data.length; index++) {
    const difference = Math.abs(left.data[index]! - right.data[index]!);
    sum += difference;
    max = Math.max(max, difference);
  }
  return { mean: sum / left.data.length, max, width, height };
}

printHeading(
  "Last frame: seek to the end vs decode everything",
  `Takes' -sseof -1 … reverse (core/media/frames.ts) against decoding every frame and selecting ` +
    `the last,\nwith ${relative(process.cwd(), ffmpegPath())}. ` +
    `Median of ${RUNS} runs each, one after the other.`,
);

const work = await mkdtemp(join(tmpdir(), "takes-bench-last-frame-"));
try {
  const rows: string[][] = [];
  for (const clip of CLIPS) {
    const video = join(work, `${clip.width}x${clip.height}.mp4`);
    const renderSeconds = await timed(() => render(clip, video));
    const frames = frameCount(video);
    console.log(`  rendered ${clip.name}: ${frames} frames in ${fixed(renderSeconds)} s`);

    const seekPng = join(work, `${clip.width}-seek.png`);
    const decodePng = join(work, `${clip.width}-decode.png`);
    const seek: number[] = [];
    const decode: number[] = [];
    // "-y": each run overwrites the previous run's PNG (Takes writes into a fresh folder).
    const extract = (args: string[]) => timed(() => runFfmpeg(["-y", ...args], ffmpegTimeout));
    for (let run = 0; run < RUNS; run++) {
      // Alternating spreads the machine's drift over both.
      seek.push(await extract(takesLastFrame(video, seekPng)));
      decode.push(await extract(decodeEverything(video, decodePng, frames)));
    }
    const same = await compare(seekPng, decodePng);
    console.log(
      `  ${clip.name}: seek ${seek.map((s) => fixed(s, 2)).join(", ")} s; ` +
        `decode ${decode.map((s) => fixed(s, 2)).join(", ")} s; frames differ by mean ` +
        `${fixed(same.mean, 3)}, max ${same.max} (${same.width}x${same.height})`,
    );
    if (same.mean > SAME_FRAME_MEAN_DIFFERENCE) {
      throw new Error(`${clip.name}: the two commands gave different frames`);
    }
    rows.push([
      clip.name,
      `${fixed(median(seek), 2)} s`,
      `${fixed(median(decode), 2)} s`,
      ratio(median(decode), median(seek), 1),
      same.max === 0 ? "identical" : `mean diff ${fixed(same.mean, 3)}`,
    ]);
  }
  console.log();
  printTable(["clip", "Takes (seek)", "decode all", "speed-up", "same frame"], rows);
} finally {
  await rm(work, { recursive: true, force: true });
}
