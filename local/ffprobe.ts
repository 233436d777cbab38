/**
 * ffprobe, for the tests and benchmarks that check what Takes and the emulators made (size,
 * duration, codec, frame count). A development tool only: Takes itself never probes, so the
 * binary (`@ffprobe-installer/linux-x64`, shipped inside its package) is a devDependency.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runBinary } from "#core/media/ffmpeg";

export interface ProbeResult {
  width: number;
  height: number;
  durationSeconds: number;
  codec: string;
}

export function ffprobePath(): string {
  if (process.env.FFPROBE_PATH) return process.env.FFPROBE_PATH;
  const packageJson = createRequire(import.meta.url).resolve(
    "@ffprobe-installer/linux-x64/package.json",
  );
  return join(dirname(packageJson), "ffprobe");
}

interface FfprobeOutput {
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[];
  format?: { duration?: string };
}

/** The first video stream's size and codec, and the container's duration. */
export async function probe(file: string, timeoutMs = 15_000): Promise<ProbeResult> {
  const stdout = await runBinary(
    ffprobePath(),
    ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
    { timeoutMs },
  );
  const output = JSON.parse(stdout.toString("utf8")) as FfprobeOutput;
  const video = output.streams?.find((stream) => stream.codec_type === "video");
  if (!video) throw new Error(`${file} has no video stream`);
  return {
    width: video.width ?? 0,
    height: video.height ?? 0,
    durationSeconds: Number(output.format?.duration ?? 0),
    codec: video.codec_name ?? "unknown",
  };
}
