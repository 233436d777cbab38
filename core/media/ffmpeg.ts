/**
 * Running ffmpeg: where the binary is, and one run with a timeout.
 *
 * The binary comes from `@ffmpeg-installer/linux-x64`, which ships it inside the package (so it
 * installs offline). Bundling breaks the package's own path lookup, so Lambda (and anyone with a
 * newer build) sets FFMPEG_PATH instead.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface RunOptions {
  /** The run is killed (SIGKILL) once this passes; the old static build can hang on bad input. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** How much of stderr an error message keeps: ffmpeg's last lines say what went wrong. */
const STDERR_TAIL_CHARS = 2_000;

/**
 * The binary ran and could not read its input, or not within its time limit: the file is damaged
 * (or hostile), and running it again will not change that. A binary that failed to start is not
 * this: that is the machine's fault, worth retrying.
 */
export class MediaUnreadable extends Error {
  override readonly name = "MediaUnreadable";
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

function packagedBinary(packageName: string, binary: string): string {
  const packageJson = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
  return join(dirname(packageJson), binary);
}

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || packagedBinary("@ffmpeg-installer/linux-x64", "ffmpeg");
}

/** Runs a binary to completion, resolving with its stdout; rejects with the stderr tail. */
export function runBinary(
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
      if (timedOut) {
        return reject(new MediaUnreadable(`${name} timed out after ${timeoutMs} ms`, true));
      }
      if (signal?.aborted) return reject(signal.reason ?? new Error(`${name} aborted`));
      reject(
        new MediaUnreadable(`${name} exited with ${code ?? killedBy}: ${stderr.trim()}`, false),
      );
    });
  });
}

/** Runs ffmpeg quietly (errors only, never waiting on stdin); resolves with its stdout. */
export function runFfmpeg(args: readonly string[], options: RunOptions): Promise<Buffer> {
  return runBinary(
    ffmpegPath(),
    ["-hide_banner", "-nostdin", "-loglevel", "error", ...args],
    options,
  );
}
