import type { Job } from "../jobs/model";
import { isActive } from "../jobs/state";
import { MEDIA_VARIANTS, type MediaVariant } from "../media/layout";
import { presignGet } from "../media/storage";
import { expectedGenerationSeconds, listProviders } from "../providers";
import type { PublicJob, PublicMedia } from "../responses";

/** The API's job (its schema is in core/responses.ts), where the site and the use cases look. */
export type { PublicJob, PublicMedia };

/** An estimate never reaches 100 before the provider says the job is done. */
const MAX_ESTIMATED_PROGRESS = 95;

/**
 * How far a job is, as the person sees it: the provider's figure where it reports one; else the
 * time it has been running against the model's typical time (counted from when it was first seen
 * running, so queue time is not progress), marked as an estimate.
 */
function progressOf(job: Job, now: number): { progress: number; estimated: boolean } {
  const provider = listProviders().find((candidate) => candidate.name === job.provider);
  if (!isActive(job.status) || !provider) return { progress: job.progress, estimated: false };
  // A provider that reports progress, and did for this job (or it has not started): its figure.
  // Some gateways of the OpenAI shape report none: their running jobs are estimated too.
  const reported = provider.reportsProgress && job.progressMark !== undefined;
  if (reported || (provider.reportsProgress && job.startedAt === undefined)) {
    return { progress: job.progress, estimated: false };
  }
  if (job.startedAt === undefined) return { progress: job.progress, estimated: true };
  const share = (now - job.startedAt) / 1000 / expectedGenerationSeconds(job);
  const estimate = Math.floor(Math.min(MAX_ESTIMATED_PROGRESS, Math.max(0, share * 100)));
  return { progress: Math.max(job.progress, estimate), estimated: true };
}

/**
 * The API shape of a job. `urls` holds short-lived URLs the caller presigned for the stored media;
 * a variant without a URL shows as null.
 */
export function toPublicJob(
  job: Job,
  urls: Partial<Record<MediaVariant, string>>,
  now = Date.now(),
): PublicJob {
  const publicMedia = (variant: MediaVariant): PublicMedia | null => {
    const stored = job.media[variant];
    const url = urls[variant];
    return stored && url ? { url, contentType: stored.contentType, bytes: stored.bytes } : null;
  };
  const { progress, estimated } = progressOf(job, now);
  const providerCost = job.providerCost;
  return {
    id: job.id,
    status: job.status,
    progress,
    progressEstimated: estimated,
    queuePosition: job.status === "queued" ? (job.queuePosition ?? null) : null,
    prompt: job.prompt,
    model: job.model,
    seconds: job.seconds,
    size: job.size,
    provider: job.provider,
    sound: job.sound ?? null,
    parentId: job.parentId ?? null,
    createdAt: job.createdAt,
    completedAt: job.copiedAt ?? null,
    error: job.error,
    framesError: job.framesError ?? null,
    awaitingKey: job.awaitingKey ?? null,
    cost: {
      estimatedUsd: job.estimatedCostUsd ?? null,
      actualUsd: providerCost?.final ? providerCost.usd : null,
      credits: providerCost?.credits ?? null,
    },
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
