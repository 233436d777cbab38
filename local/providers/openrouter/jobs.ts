/**
 * OpenRouter's video jobs: what exists, whose it is, what state it is in, and what it cost.
 *
 * A job's state follows the clock, as the other emulators' do: `pending` for the first tenth of
 * its generation time, then `in_progress` (OpenRouter reports no progress figure), then
 * `completed` once the render is done, or `failed` with an `error` string (OpenRouter has no
 * failure code). A completed job's content can be downloaded for `retentionSeconds`; after that,
 * or after the expire control, the job reads `expired` and its content answers 410 Gone.
 * OpenRouter has no cancel or delete endpoint, so nothing here cancels.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FaultInjector, JobFailure } from "../shared/faults";
import { VIDEO_FILE, type Renderer } from "../shared/render";
import { deliverCallback, type TerminalStatus } from "./callbacks";
import { badRequest, jobNotFound, OpenRouterError } from "./errors";
import { generationId } from "./ids";
import type { NewVideoJob } from "./requests";

/** The share of its generation time a job reads `pending`. */
const PENDING_SHARE = 0.1;
const FIRST_FRAME_FILE = "first-frame.png";
const MAX_ERROR_CHARS = 500;
const EXPIRED_MESSAGE = "The generated video has expired and is no longer available.";

export type VideoJobStatus = "pending" | "in_progress" | TerminalStatus;

/** `GET /api/v1/videos/{id}` as the SDK's VideoGenerationResponse parses it. */
export interface VideoJobView {
  id: string;
  polling_url: string;
  status: VideoJobStatus;
  generation_id?: string;
  unsigned_urls?: string[];
  usage?: { cost: number; is_byok: boolean };
  error?: string;
}

type Outcome =
  | { status: "completed"; completedMs: number; generationId: string }
  | { status: "failed"; error: string };

interface VideoJob {
  id: string;
  /** A hash of the key that created it; jobs are visible only to the same key. */
  owner: string;
  createdMs: number;
  /** How long this job "generates"; fixed at create. */
  generationMs: number;
  request: Omit<NewVideoJob, "firstFramePng">;
  dir: string;
  render: AbortController;
  timer?: NodeJS.Timeout;
  outcome: Outcome | null;
  /** When a completed job's content lapses. */
  expiresMs: number | null;
  /** Set by expire() before completion: the content lapses the moment it exists. */
  expireOnCompletion: boolean;
}

export interface VideoJobsOptions {
  dataDir: string;
  generationMs: (seconds: number) => number;
  renderer: Renderer;
  faults: FaultInjector;
  retentionSeconds: number;
  /** The emulated `https://openrouter.ai/api/v1`, for polling and content URLs. */
  apiBase: () => string;
  /** The workspace's callback signing secret; callbacks go unsigned without one. */
  webhookSecret?: string;
}

export class VideoJobs {
  private readonly jobs = new Map<string, VideoJob>();

  constructor(private readonly options: VideoJobsOptions) {}

  /** Starts a job; the answer is the create's `{id, polling_url, status: "pending"}`. */
  async create(owner: string, request: NewVideoJob) {
    const id = generationId("gen-vid");
    const dir = join(this.options.dataDir, id);
    await mkdir(dir, { recursive: true });
    const { firstFramePng, ...params } = request;
    const firstFrame = firstFramePng ? join(dir, FIRST_FRAME_FILE) : undefined;
    if (firstFrame && firstFramePng) await writeFile(firstFrame, firstFramePng);

    const job: VideoJob = {
      id,
      owner,
      createdMs: Date.now(),
      generationMs: this.options.generationMs(params.seconds),
      request: params,
      dir,
      render: new AbortController(),
      outcome: null,
      expiresMs: null,
      expireOnCompletion: false,
    };
    this.jobs.set(id, job);

    const injected = this.options.faults.takeJobFailure();
    const failure: Promise<JobFailure | null> = injected
      ? Promise.resolve(injected)
      : this.options.renderer
          .render(
            {
              dir,
              prompt: params.prompt,
              seconds: params.seconds,
              width: params.width,
              height: params.height,
              referenceImage: firstFrame,
            },
            job.render.signal,
          )
          .then(
            () => null,
            (error: unknown) => ({
              code: "render_failed",
              message: (error instanceof Error ? error.message : String(error)).slice(
                0,
                MAX_ERROR_CHARS,
              ),
            }),
          );
    // Completes at its generation time, or once the render has, whichever is later.
    job.timer = setTimeout(() => {
      job.timer = undefined;
      void failure.then((failed) => this.finish(job, failed));
    }, job.generationMs);
    return { id, polling_url: this.pollingUrl(id), status: "pending" as const };
  }

  retrieve(owner: string, id: string): VideoJobView {
    return this.view(this.find(owner, id));
  }

  /** The video file of output `index`, only while the job is completed and not expired. */
  content(owner: string, id: string, index: string | null): string {
    const job = this.find(owner, id);
    const position = index === null ? 0 : Number(index);
    if (!Number.isInteger(position) || position < 0) {
      throw badRequest("index must be a non-negative integer.");
    }
    // An injected lapse: the content expired between the status poll and this download.
    if (job.outcome?.status === "completed" && this.options.faults.takeOutputLapse()) {
      job.expiresMs = Date.now() - 1;
    }
    const status = this.statusOf(job);
    if (status === "expired") {
      throw new OpenRouterError(410, `The content of video generation job ${id} has expired.`);
    }
    if (status !== "completed") {
      throw new OpenRouterError(
        409,
        `Video generation job ${id} is ${status}; its content is available once it has completed.`,
      );
    }
    if (position !== 0) {
      throw new OpenRouterError(
        404,
        `Video generation job ${id} has no output at index ${position}.`,
      );
    }
    return join(job.dir, VIDEO_FILE);
  }

  /** Makes a job's content lapse now, or the moment it completes, whoever owns it (a test control). */
  expire(id: string) {
    const job = this.jobs.get(id);
    if (!job) throw jobNotFound(id);
    if (job.outcome?.status === "completed") job.expiresMs = Date.now() - 1;
    else job.expireOnCompletion = true;
    return { id, status: this.statusOf(job) };
  }

  /** Stops pending completions and running renders (on shutdown). */
  close() {
    for (const job of this.jobs.values()) {
      clearTimeout(job.timer);
      job.render.abort(new Error("provider emulator shutting down"));
    }
  }

  private find(owner: string, id: string): VideoJob {
    const job = this.jobs.get(id);
    if (!job || job.owner !== owner) throw jobNotFound(id);
    return job;
  }

  private pollingUrl(id: string) {
    return `${this.options.apiBase()}/videos/${encodeURIComponent(id)}`;
  }

  private finish(job: VideoJob, failure: JobFailure | null) {
    if (job.outcome !== null || job.render.signal.aborted) return;
    const now = Date.now();
    job.outcome = failure
      ? { status: "failed", error: failure.message }
      : { status: "completed", completedMs: now, generationId: generationId("gen") };
    if (!failure) {
      job.expiresMs = job.expireOnCompletion ? now - 1 : now + this.options.retentionSeconds * 1000;
    }
    const { callbackUrl, model } = job.request;
    if (!callbackUrl) return;
    // The job's fields without polling_url, in the order OpenRouter's deliveries list them.
    const { id, generation_id, unsigned_urls, usage, error, ...rest } = this.view(job);
    const status = rest.status as TerminalStatus;
    deliverCallback(callbackUrl, this.options.webhookSecret, {
      type: `video.generation.${status}`,
      created_at: new Date(now).toISOString(),
      data: { generation_id, id, model, status, unsigned_urls, usage, error },
    });
  }

  private statusOf(job: VideoJob): VideoJobStatus {
    const { outcome } = job;
    if (outcome?.status === "failed") return "failed";
    if (outcome?.status === "completed") {
      return job.expiresMs !== null && job.expiresMs <= Date.now() ? "expired" : "completed";
    }
    const share = (Date.now() - job.createdMs) / job.generationMs;
    return share < PENDING_SHARE ? "pending" : "in_progress";
  }

  private view(job: VideoJob): VideoJobView {
    const base = { id: job.id, polling_url: this.pollingUrl(job.id) };
    const status = this.statusOf(job);
    const { outcome } = job;
    if (outcome?.status === "failed") return { ...base, status: "failed", error: outcome.error };
    if (outcome?.status !== "completed") return { ...base, status };
    const finished = {
      ...base,
      generation_id: outcome.generationId,
      usage: { cost: job.request.cost, is_byok: false },
    };
    if (status === "expired") return { ...finished, status, error: EXPIRED_MESSAGE };
    return {
      ...finished,
      status,
      unsigned_urls: [`${this.pollingUrl(job.id)}/content?index=0`],
    };
  }
}
