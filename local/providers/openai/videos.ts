/**
 * The video jobs: what exists, whose it is, and what state it is in.
 *
 * A job's state is derived from the clock (queued for the first tenth of `generationMs`, then
 * in_progress with progress rising linearly), so polling sees realistic progress without any
 * per-tick work. The render starts at create; the job completes at `generationMs`, or later if the
 * render has not finished by then (it shows in_progress at 99 meanwhile).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { badRequest, contentExpired, contentNotReady, videoNotFound } from "./errors";
import type { FaultInjector, JobFailure, OutputDamage } from "../shared/faults";
import {
  Renderer,
  SPRITESHEET_FILE,
  THUMBNAIL_FILE,
  VIDEO_FILE,
  type RenderRequest,
} from "../shared/render";
import type { WebhookConfig } from "../shared/mount";
import { deliverVideoEvent } from "./webhooks";

export const SECONDS = ["4", "8", "12"] as const;
export const SIZES = ["720x1280", "1280x720", "1024x1792", "1792x1024"] as const;
export type VideoSeconds = (typeof SECONDS)[number];
export type VideoSize = (typeof SIZES)[number];
export type ContentVariant = "video" | "thumbnail" | "spritesheet";

const CONTENT_FILES: Record<ContentVariant, { file: string; contentType: string }> = {
  video: { file: VIDEO_FILE, contentType: "video/mp4" },
  thumbnail: { file: THUMBNAIL_FILE, contentType: "image/webp" },
  spritesheet: { file: SPRITESHEET_FILE, contentType: "image/webp" },
};

/** A script-bearing SVG: what a hostile provider could serve as a "thumbnail". */
const HOSTILE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="36">' +
  "<script>alert(document.cookie)</script></svg>";

/** Overwrites a finished job's files with the damage a test asked for. */
async function damageOutput(dir: string, damage: OutputDamage) {
  if (damage === "corrupt-video") {
    // Random bytes behind MP4's box header: a file that starts like a video and is not one.
    const header = Buffer.from("0000001866747970", "hex");
    await writeFile(join(dir, VIDEO_FILE), Buffer.concat([header, randomBytes(256 * 1024)]));
    return;
  }
  for (const file of [THUMBNAIL_FILE, SPRITESHEET_FILE])
    await writeFile(join(dir, file), HOSTILE_SVG);
}

/** The share of generationMs a job spends queued before it shows in_progress. */
const QUEUED_SHARE = 0.1;
const REFERENCE_FILE = "reference.png";
const MAX_ERROR_MESSAGE_CHARS = 500;

export interface Video {
  id: string;
  object: "video";
  created_at: number;
  status: "queued" | "in_progress" | "completed" | "failed";
  progress: number;
  completed_at: number | null;
  expires_at: number | null;
  error: JobFailure | null;
  model: string;
  prompt: string;
  remixed_from_video_id: string | null;
  seconds: VideoSeconds;
  size: VideoSize;
}

export interface NewVideo {
  prompt: string;
  model: string;
  seconds: VideoSeconds;
  size: VideoSize;
  /** A PNG of exactly `size`, already checked. */
  referencePng?: Buffer;
}

interface Job {
  id: string;
  /** A hash of the API key that created it; jobs are only visible to the same key. */
  owner: string;
  /** Creation order, for listing (created_at has only second resolution). */
  sequence: number;
  createdMs: number;
  /** How long this job "generates"; fixed at create. */
  generationMs: number;
  dir: string;
  hasReference: boolean;
  /** Stops the job's render when the job is deleted. */
  render: AbortController;
  params: Omit<NewVideo, "referencePng"> & { remixedFrom: string | null };
  /** Null until the job has finished. */
  outcome:
    { status: "completed"; completedAt: number } | { status: "failed"; error: JobFailure } | null;
  expiresAt: number | null;
  deleted: boolean;
  /** Injected: the output this job finishes with is damaged (see FaultInjector). */
  damage: OutputDamage | null;
}

export interface VideoStoreOptions {
  dataDir: string;
  /** How long a new job of `seconds` takes, in ms; asked once per job. */
  generationMs: (seconds: number) => number;
  contentLifetimeSeconds: number;
  faults: FaultInjector;
  renderer: Renderer;
  webhook?: WebhookConfig;
}

export interface ListQuery {
  after?: string;
  limit: number;
  order: "asc" | "desc";
}

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

export class VideoStore {
  private readonly jobs = new Map<string, Job>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sequence = 0;

  constructor(private readonly options: VideoStoreOptions) {}

  async create(owner: string, request: NewVideo, remixedFrom: Job | null = null): Promise<Video> {
    const id = `video_${randomBytes(20).toString("hex")}`;
    const dir = join(this.options.dataDir, id);
    await mkdir(dir, { recursive: true });
    const { referencePng, ...params } = request;
    const reference = referencePng ? join(dir, REFERENCE_FILE) : undefined;
    if (reference && referencePng) await writeFile(reference, referencePng);

    const job: Job = {
      id,
      owner,
      sequence: this.sequence++,
      createdMs: Date.now(),
      generationMs: this.options.generationMs(Number(params.seconds)),
      dir,
      hasReference: reference !== undefined,
      render: new AbortController(),
      params: { ...params, remixedFrom: remixedFrom?.id ?? null },
      outcome: null,
      expiresAt: null,
      deleted: false,
      damage: this.options.faults.takeOutputDamage(),
    };
    this.jobs.set(id, job);

    const injectedFailure = this.options.faults.takeJobFailure();
    const rendered: Promise<JobFailure | null> = injectedFailure
      ? Promise.resolve(injectedFailure)
      : this.options.renderer.render(this.renderRequest(job, reference), job.render.signal).then(
          () => null,
          (error: unknown) => ({
            code: "render_failed",
            message: (error instanceof Error ? error.message : String(error)).slice(
              0,
              MAX_ERROR_MESSAGE_CHARS,
            ),
          }),
        );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void rendered.then(async (failure) => {
        if (!failure && job.damage) await damageOutput(job.dir, job.damage);
        this.finish(job, failure);
      });
    }, job.generationMs);
    this.timers.add(timer);
    return this.toVideo(job);
  }

  /** A new job from a completed one, with a new prompt and the same model, size and length. */
  async remix(owner: string, id: string, prompt: string): Promise<Video> {
    const source = this.find(owner, id);
    if (source.outcome?.status !== "completed") {
      throw badRequest(`Video ${id} is not completed; only completed videos can be remixed.`);
    }
    const { model, seconds, size } = source.params;
    // A remix keeps the source's look: its reference image, when it had one.
    const referencePng = source.hasReference
      ? await readFile(join(source.dir, REFERENCE_FILE))
      : undefined;
    return this.create(owner, { prompt, model, seconds, size, referencePng }, source);
  }

  retrieve(owner: string, id: string): Video {
    return this.toVideo(this.find(owner, id));
  }

  list(owner: string, { after, limit, order }: ListQuery) {
    const mine = [...this.jobs.values()]
      .filter((job) => job.owner === owner && !job.deleted)
      .sort((a, b) => (order === "desc" ? b.sequence - a.sequence : a.sequence - b.sequence));
    let start = 0;
    if (after !== undefined) {
      const index = mine.findIndex((job) => job.id === after);
      if (index < 0) throw badRequest(`No video found with id '${after}'.`, "after");
      start = index + 1;
    }
    const data = mine.slice(start, start + limit).map((job) => this.toVideo(job));
    return {
      object: "list" as const,
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: start + limit < mine.length,
    };
  }

  async delete(owner: string, id: string) {
    const job = this.find(owner, id);
    job.deleted = true;
    this.jobs.delete(id);
    job.render.abort(new Error(`video ${id} was deleted`));
    await rm(job.dir, { recursive: true, force: true });
    return { id, object: "video.deleted" as const, deleted: true };
  }

  /** The file for a content variant, only between completion and expiry. */
  content(owner: string, id: string, variant: ContentVariant) {
    const job = this.find(owner, id);
    if (job.outcome?.status !== "completed") throw contentNotReady(id, this.stateOf(job).status);
    if (job.expiresAt !== null && job.expiresAt * 1000 <= Date.now()) {
      throw contentExpired(id, job.expiresAt);
    }
    const { file, contentType } = CONTENT_FILES[variant];
    const svg = job.damage === "svg-images" && variant !== "video";
    return { path: join(job.dir, file), contentType: svg ? "image/svg+xml" : contentType };
  }

  /** Moves a video's expires_at into the past, whoever owns it (a test control). */
  expire(id: string): Video {
    const job = this.jobs.get(id);
    if (!job) throw videoNotFound(id);
    job.expiresAt = unixSeconds(Date.now()) - 1;
    return this.toVideo(job);
  }

  /** Stops pending completions (on shutdown); renders are stopped by the renderer. */
  close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private find(owner: string, id: string): Job {
    const job = this.jobs.get(id);
    // Another key's video answers exactly like a missing one: ids must not leak across keys.
    if (!job || job.owner !== owner) throw videoNotFound(id);
    return job;
  }

  private renderRequest(job: Job, reference: string | undefined): RenderRequest {
    const [width = 0, height = 0] = job.params.size.split("x").map(Number);
    return {
      dir: job.dir,
      prompt: job.params.prompt,
      seconds: Number(job.params.seconds),
      width,
      height,
      referenceImage: reference,
    };
  }

  private finish(job: Job, failure: JobFailure | null) {
    if (job.deleted) return;
    const now = Date.now();
    if (failure) {
      job.outcome = { status: "failed", error: failure };
    } else {
      job.outcome = { status: "completed", completedAt: unixSeconds(now) };
      // A test may already have forced expiry; keep that.
      job.expiresAt ??= unixSeconds(now) + this.options.contentLifetimeSeconds;
    }
    const { webhook } = this.options;
    if (webhook) {
      deliverVideoEvent(webhook, failure ? "video.failed" : "video.completed", job.id);
    }
  }

  private toVideo(job: Job): Video {
    const state = this.stateOf(job);
    const { params } = job;
    // In the key order OpenAI's objects had, so logs and fixtures read the same.
    return {
      id: job.id,
      object: "video",
      created_at: unixSeconds(job.createdMs),
      status: state.status,
      progress: state.progress,
      completed_at: state.completed_at,
      expires_at: job.expiresAt,
      error: state.error,
      model: params.model,
      prompt: params.prompt,
      remixed_from_video_id: params.remixedFrom,
      seconds: params.seconds,
      size: params.size,
    };
  }

  private stateOf(job: Job): Pick<Video, "status" | "progress" | "completed_at" | "error"> {
    const { outcome } = job;
    if (outcome?.status === "completed") {
      return { status: "completed", progress: 100, completed_at: outcome.completedAt, error: null };
    }
    if (outcome?.status === "failed") {
      return { status: "failed", progress: 0, completed_at: null, error: outcome.error };
    }
    const elapsedShare = (Date.now() - job.createdMs) / job.generationMs;
    if (elapsedShare < QUEUED_SHARE) {
      return { status: "queued", progress: 0, completed_at: null, error: null };
    }
    // Never 100 before the render has really finished.
    const progress = Math.min(99, Math.max(1, Math.floor(elapsedShare * 100)));
    return { status: "in_progress", progress, completed_at: null, error: null };
  }
}
