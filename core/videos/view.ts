import type { Job } from "../jobs/model";
import { isActive } from "../jobs/state";
import { MEDIA_VARIANTS, type MediaVariant } from "../media/layout";
import { presignGet } from "../media/storage";
import { expectedGenerationSeconds, findDeclared } from "../providers/declarations";
import type { ListedJob, PublicJob, PublicMedia, StoredMedia } from "../responses";
import { CARD_MEDIA, type CardMedia } from "./card-media";

/** The API's jobs (their schemas are in core/responses.ts), where the site and the use cases look. */
export type { ListedJob, PublicJob, PublicMedia, StoredMedia };

/**
 * A job as a view shows it: a short-lived URL for each stored file in `Shown`, the others described
 * without one. `JobView<MediaVariant>` is the API's job; `JobView<CardMedia>` a listed one.
 */
export type JobView<Shown extends MediaVariant> = Omit<PublicJob, "media"> & {
  media: { [V in MediaVariant]: (V extends Shown ? PublicMedia : StoredMedia) | null };
};

/** What a frame picker shows of a job: its first and last frame. */
export const FRAME_MEDIA = ["firstFrame", "lastFrame"] as const satisfies readonly MediaVariant[];
export type FrameMedia = (typeof FRAME_MEDIA)[number];

/** An estimate never reaches 100 before the provider says the job is done. */
const MAX_ESTIMATED_PROGRESS = 95;

/**
 * How far a job is, as the person sees it: the provider's figure where it reports one; else the
 * time it has been running against the model's typical time (counted from when it was first seen
 * running, so queue time is not progress), marked as an estimate.
 */
function progressOf(job: Job, now: number): { progress: number; estimated: boolean } {
  const provider = findDeclared(job.provider);
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
 * A job as a view that shows the stored files in `shown` sees it. `urls` holds the short-lived URLs
 * the caller presigned for those; a shown file without a URL shows as null.
 */
export function toJobView<Shown extends MediaVariant>(
  job: Job,
  shown: readonly Shown[],
  urls: Partial<Record<MediaVariant, string>>,
  now = Date.now(),
): JobView<Shown> {
  const file = (variant: MediaVariant): PublicMedia | StoredMedia | null => {
    const stored = job.media[variant];
    if (!stored) return null;
    const described = { contentType: stored.contentType, bytes: stored.bytes };
    if (!(shown as readonly MediaVariant[]).includes(variant)) return described;
    const url = urls[variant];
    return url ? { url, ...described } : null;
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
    media: Object.fromEntries(
      MEDIA_VARIANTS.map((variant) => [variant, file(variant)]),
    ) as JobView<Shown>["media"],
  };
}

/** The API shape of a job, every stored file shown; a variant without a URL shows as null. */
export const toPublicJob = (
  job: Job,
  urls: Partial<Record<MediaVariant, string>>,
  now = Date.now(),
): PublicJob => toJobView(job, MEDIA_VARIANTS, urls, now);

/** Presigns a URL for each stored file of the job that the view shows, and for nothing else. */
async function mediaUrls(job: Job, shown: readonly MediaVariant[]) {
  const entries = await Promise.all(
    shown.flatMap((variant) => {
      const stored = job.media[variant];
      return stored ? [presignGet(stored.key).then((url) => [variant, url] as const)] : [];
    }),
  );
  return Object.fromEntries(entries);
}

/** The job as a view showing `shown` sees it, with freshly presigned URLs for those files only. */
export const jobView = async <Shown extends MediaVariant>(
  job: Job,
  shown: readonly Shown[],
): Promise<JobView<Shown>> => toJobView(job, shown, await mediaUrls(job, shown));

/** The job as the API shows it, with freshly presigned URLs for all its stored media. */
export const publicJob = (job: Job): Promise<PublicJob> => jobView(job, MEDIA_VARIANTS);

/** The job as a listing shows it: URLs only for what a library card shows (CARD_MEDIA). */
export const listedJob = (job: Job): Promise<ListedJob> => jobView<CardMedia>(job, CARD_MEDIA);
