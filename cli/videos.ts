/**
 * What the CLI and the MCP server do with videos beyond a single API call: fill in a model's
 * defaults, upload a local image, wait for a job, continue from a last frame, save media to disk.
 */
import { createWriteStream } from "node:fs";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  download,
  isFinished,
  type Frame,
  type Job,
  type Provider,
  type TakesClient,
} from "./client";
import { ApiError, CliError, EXIT, usageError } from "./errors";

export interface CreateOptions {
  prompt: string;
  provider?: string;
  model?: string;
  seconds?: number;
  size?: string;
  sound?: boolean;
  /** A stored image (POST /api/images) as the first frame. */
  referenceKey?: string;
  /** A stored image the clip ends on, for models that take one. */
  lastFrameKey?: string;
  /** A local image file as the first frame, uploaded with the request. */
  image?: string;
}

/**
 * The settings the API needs, with what was left out taken from the caller's providers: the first
 * model of the first provider that fits, its shortest length (the cheapest) and its first size.
 */
async function withDefaults(client: TakesClient, options: CreateOptions) {
  const { model, seconds, size } = options;
  if (model !== undefined && seconds !== undefined && size !== undefined) {
    return { ...options, model, seconds, size };
  }
  const { providers } = await client.providers();
  const offered = providers
    .filter((provider) => options.provider === undefined || provider.name === options.provider)
    .flatMap((provider) => provider.models.map((entry) => ({ provider, model: entry })));
  const chosen = offered.find((entry) => model === undefined || entry.model.id === model);
  if (!chosen) throw noSuchModel(providers, options);
  return {
    ...options,
    provider: chosen.provider.name,
    model: chosen.model.id,
    seconds: seconds ?? Math.min(...chosen.model.seconds),
    size: size ?? chosen.model.sizes[0]!,
  };
}

function noSuchModel(providers: Provider[], { provider, model }: CreateOptions) {
  const names = providers.map((entry) => entry.name).join(", ") || "none";
  if (provider !== undefined && !providers.some((entry) => entry.name === provider)) {
    return usageError(
      `Your credential cannot use the provider ${provider} (it can use: ${names}).`,
    );
  }
  return usageError(
    `No provider you can use${provider ? ` (of ${provider})` : ""} offers the model ${model}: ` +
      "`takes providers` lists them.",
  );
}

/** A new video: JSON, or multipart when a local image goes with it. */
export async function createVideo(client: TakesClient, options: CreateOptions): Promise<Job> {
  if (options.image !== undefined && options.referenceKey !== undefined) {
    throw usageError("Give either an image file or a reference key, not both.");
  }
  const { image, ...request } = await withDefaults(client, options);
  if (image === undefined) return client.createVideo(request);
  return client.createVideo(withImage(request, await readImage(image), basename(image)));
}

/** A reference image is at most a few MiB (the API takes 4): read whole. */
async function readImage(file: string): Promise<Blob> {
  try {
    return new Blob([await readFile(file)]);
  } catch (error) {
    throw usageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}.`);
  }
}

/** The request as multipart fields, with the image as its first frame. */
function withImage(request: Record<string, unknown>, image: Blob, name: string): FormData {
  const form = new FormData();
  for (const [field, value] of Object.entries(request)) {
    if (value !== undefined) form.set(field, String(value));
  }
  form.set("input_reference", image, name);
  return form;
}

/** How long an extracted frame may lag behind its video's completion before we give up. */
const FRAME_WAIT_MS = 30_000;
const FRAME_RETRY_MS = 1000;

/**
 * A new video that starts from the last frame of `id`, with its settings unless overridden. The
 * API names frames only by a redirect to their image, so the frame is uploaded as the new clip's
 * first frame. A video that has just completed may not have its frames yet: they are awaited.
 */
export async function continueVideo(
  client: TakesClient,
  id: string,
  options: Omit<CreateOptions, "image" | "referenceKey" | "lastFrameKey" | "provider">,
): Promise<Job> {
  const source = await client.getVideo(id);
  const frame = await frameWhenExtracted(client, source);
  const request = {
    provider: source.provider,
    model: source.model,
    seconds: source.seconds,
    size: source.size,
    sound: source.sound ?? undefined,
    ...withoutUndefined(options),
  };
  return client.createVideo(withImage(request, await frame.blob(), "last.png"));
}

async function frameWhenExtracted(client: TakesClient, source: Job): Promise<Response> {
  const deadline = Date.now() + FRAME_WAIT_MS;
  for (;;) {
    try {
      return await client.frame(source.id, "last");
    } catch (error) {
      const extracting =
        error instanceof ApiError &&
        error.code === "frame_not_ready" &&
        source.status === "completed";
      if (!extracting || Date.now() > deadline) throw error;
    }
    await sleep(FRAME_RETRY_MS);
  }
}

const withoutUndefined = <T extends object>(value: T) =>
  Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;

export interface WaitOptions {
  /** Called (and awaited) with each reading of the job that is waited on: it is still running. */
  onProgress?: (job: Job) => void | Promise<void>;
  /** Give up after this long and return the job as it is; without it, wait until it ends. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Polls a job until it ends (or the timeout passes) and returns its last reading. */
export async function waitForJob(
  client: TakesClient,
  id: string,
  { onProgress, timeoutMs, signal }: WaitOptions = {},
): Promise<Job> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getVideo(id);
    if (isFinished(job) || Date.now() >= deadline) return job;
    await onProgress?.(job);
    await sleep(pollDelayMs(job), undefined, { signal });
  }
}

/** Reads a job every second while it is young, then every few: a long job is not watched closely. */
function pollDelayMs(job: Job) {
  const ageMs = Date.now() - Date.parse(job.createdAt);
  return ageMs < 60_000 ? 1000 : 3000;
}

/** The error a job that ended without a video stands for. */
export function jobFailure(job: Job): CliError | undefined {
  if (job.status !== "failed" && job.status !== "expired") return undefined;
  const reason = job.error ? `${job.error.message} (${job.error.code})` : "no reason given";
  return new CliError(EXIT.provider, `The video ${job.status}: ${reason}`, `job_${job.status}`);
}

export interface Saved {
  path: string;
  bytes: number;
}

/**
 * Saves a finished job's video, or one of its frames, to `file` (by default `<id>.mp4` or
 * `<id>-<frame>.png` in the working folder). The bytes stream to disk, into a partial file renamed
 * when complete, so an interrupted download never leaves a truncated video under its name.
 */
export async function saveMedia(
  client: TakesClient,
  id: string,
  options: { file?: string; frame?: Frame } = {},
): Promise<Saved> {
  const { frame } = options;
  const path = resolve(options.file ?? (frame ? `${id}-${frame}.png` : `${id}.mp4`));
  const response = frame
    ? await client.frame(id, frame)
    : await download(await videoUrl(client, id));
  const partial = `${path}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body!), createWriteStream(partial));
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw new CliError(EXIT.failure, `Cannot save ${path}: ${(error as Error).message}`);
  }
  return { path, bytes: (await stat(path)).size };
}

async function videoUrl(client: TakesClient, id: string): Promise<string> {
  const job = await client.getVideo(id);
  if (job.media.video) return job.media.video.url;
  throw (
    jobFailure(job) ?? usageError(`The video is ${job.status.replace("_", " ")}: not ready yet.`)
  );
}
