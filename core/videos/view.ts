import { presignGet } from "../media/storage";
import type { Job, JobError } from "../jobs/model";
import { MEDIA_VARIANTS, type MediaVariant } from "../media/layout";
import type { JobStatus } from "../jobs/state";

export interface PublicMedia {
  url: string;
  contentType: string;
  bytes: number;
}

/** A job as the HTTP API and the site show it: no owner, keys, credentials or bookkeeping. */
export interface PublicJob {
  id: string;
  status: JobStatus;
  progress: number;
  prompt: string;
  model: string;
  seconds: number;
  size: string;
  provider: string;
  parentId: string | null;
  createdAt: string;
  /** When the take landed in Takes' bucket and became playable. */
  completedAt: string | null;
  error: JobError | null;
  media: Record<MediaVariant, PublicMedia | null>;
}

/**
 * The API shape of a job. `urls` holds short-lived URLs the caller presigned for the stored media;
 * a variant without a URL shows as null.
 */
export function toPublicJob(job: Job, urls: Partial<Record<MediaVariant, string>>): PublicJob {
  const publicMedia = (variant: MediaVariant): PublicMedia | null => {
    const stored = job.media[variant];
    const url = urls[variant];
    return stored && url ? { url, contentType: stored.contentType, bytes: stored.bytes } : null;
  };
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    prompt: job.prompt,
    model: job.model,
    seconds: job.seconds,
    size: job.size,
    provider: job.provider,
    parentId: job.parentId ?? null,
    createdAt: job.createdAt,
    completedAt: job.copiedAt ?? null,
    error: job.error,
    media: {
      video: publicMedia("video"),
      thumbnail: publicMedia("thumbnail"),
      spritesheet: publicMedia("spritesheet"),
      firstFrame: publicMedia("firstFrame"),
      lastFrame: publicMedia("lastFrame"),
    },
  };
}

async function mediaUrls(job: Job) {
  const entries = await Promise.all(
    MEDIA_VARIANTS.flatMap((variant) => {
      const stored = job.media[variant];
      return stored ? [presignGet(stored.key).then((url) => [variant, url] as const)] : [];
    }),
  );
  return Object.fromEntries(entries);
}

/** The job as the API shows it, with freshly presigned URLs for its stored media. */
export const publicJob = async (job: Job): Promise<PublicJob> =>
  toPublicJob(job, await mediaUrls(job));
