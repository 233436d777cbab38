/**
 * Running ffmpeg and ffprobe: where the binaries are, one run with a timeout, and a probe.
 *
 * The binaries come from `@ffmpeg-installer/linux-x64` and `@ffprobe-installer/linux-x64`, which
 * ship them inside the package (so they install offline). Bundling breaks those packages' own
 * path lookup, so Lambda (and anyone with a newer build) sets FFMPEG_PATH / FFPROBE_PATH instead.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface RunOptions {
  /** The run is killed (SIGKILL) once this passes; the old static build can hang on bad input. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ProbeResult {
  width: number;
  height: number;
  durationSeconds: number;
  codec: string;
}

/** How much of stderr an error message keeps: ffmpeg's last lines say what went wrong. */
const STDERR_TAIL_CHARS = 2_000;

function packagedBinary(packageName: string, binary: string): string {
  const packageJson = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
  return join(dirname(packageJson), binary);
}

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || packagedBinary("@ffmpeg-installer/linux-x64", "ffmpeg");
}

export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || packagedBinary("@ffprobe-installer/linux-x64", "ffprobe");
}

/** Runs a binary to completion, resolving with its stdout; rejects with the stderr tail. */
function run(
  binary: string,
  args: readonly string[],
  { timeoutMs, signal }: RunOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    let timedOut = false;

    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    signal?.addEventListener("abort", kill, { once: true });

    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      reject(error);
    });
    child.on("close", (code, killedBy) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      const name = binary.split("/").pop();
      if (code === 0) return resolve(Buffer.concat(stdout));
      if (timedOut) return reject(new Error(`${name} timed out after ${timeoutMs} ms`));
      if (signal?.aborted) return reject(signal.reason ?? new Error(`${name} aborted`));
      reject(new Error(`${name} exited with ${code ?? killedBy}: ${stderr.trim()}`));
    });
  });
}

/** Runs ffmpeg quietly (errors only, never waiting on stdin); resolves with its stdout. */
export function runFfmpeg(args: readonly string[], options: RunOptions): Promise<Buffer> {
  return run(ffmpegPath(), ["-hide_banner", "-nostdin", "-loglevel", "error", ...args], options);
}

interface FfprobeOutput {
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[];
  format?: { duration?: string };
}

/** The first video stream's size and codec, and the container's duration. */
export async function probe(file: string, timeoutMs = 15_000): Promise<ProbeResult> {
  const stdout = await run(
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
