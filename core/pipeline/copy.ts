/**
 * The copy step: the holder of a job's copy lease streams the finished video (and the thumbnail
 * and sprite sheet, where the provider offers them) from the provider into the media bucket, then
 * marks the job completed. Each file streams straight through (core/media/storage.ts
 * streamToBucket), so memory stays flat however large the video, and an interrupted copy never
 * leaves a partial object under the final key.
 */
import { completeCopy, type CopyClaim } from "../jobs/repository";
import type { Job, JobMedia } from "../jobs/model";
import { log } from "../log";
import { MEDIA_FILES, mediaKey } from "../media/layout";
import { adoptObject, streamToBucket } from "../media/storage";
import { IMAGE_SIGNATURE_BYTES, imageTypeOf, peek } from "../media/image-type";
import {
  ContentNotAvailable,
  ProviderFailure,
  type DownloadedContent,
  type ProviderVariant,
  type VideoProvider,
} from "../providers/contract";
import { afterFailure, afterLostWrite, type FailureOutcome } from "./failures";

/** A job being worked on, with its provider and the key that acts for its owner, resolved once. */
export interface JobContext {
  job: Job;
  provider: VideoProvider;
  credential: string;
}

/** Stop copying this long before the lease runs out, so no other copier is ever cut in on. */
const LEASE_SAFETY_MS = 15_000;

/**
 * The optional variants go first and the video last: the video's arrival starts frame extraction,
 * which then finds the provider's thumbnail and sprite sheet already stored and keeps them.
 */
const OPTIONAL_VARIANTS: readonly ProviderVariant[] = ["thumbnail", "spritesheet"];

export type CopyOutcome = "copied" | FailureOutcome;

/**
 * The content as Takes stores it, with a type Takes chose, never the provider's: the video is
 * an MP4 by the bucket's layout, and an image is what its first bytes say it is. An image that is
 * none Takes stores (an SVG, say) is not copied; frame extraction makes one instead.
 */
async function typed(
  variant: ProviderVariant,
  content: DownloadedContent,
): Promise<DownloadedContent> {
  if (variant === "video") return { ...content, contentType: MEDIA_FILES.video.contentType };
  const { head, body } = await peek(content.body, IMAGE_SIGNATURE_BYTES);
  const contentType = imageTypeOf(head);
  if (!contentType) {
    await body.cancel();
    throw new ContentNotAvailable(`The provider's ${variant} is not an image Takes stores.`);
  }
  return { ...content, body, contentType };
}

async function copyVariant(
  { job, provider, credential }: JobContext,
  variant: ProviderVariant,
  signal: AbortSignal,
) {
  signal.throwIfAborted();
  const content = await typed(variant, await provider.download(credential, job, variant));
  const key = mediaKey(job, variant);
  const { contentType } = content;
  const bytes = await streamToBucket(key, content, contentType, signal);
  return { key, contentType, bytes };
}

/** Copies every variant the provider offers; the thumbnail and sprite sheet are best effort. */
async function copyVariants(context: JobContext, signal: AbortSignal): Promise<JobMedia> {
  const { job, provider } = context;
  // A provider that wrote the video into Takes' bucket itself: adopted where it lies.
  const stored = provider.storedOutputKey?.({ ...job, jobId: job.id });
  if (stored) {
    const key = mediaKey(job, "video");
    const { contentType } = MEDIA_FILES.video;
    return { video: { key, contentType, bytes: await adoptObject(stored, key, contentType) } };
  }
  const media: JobMedia = {};
  for (const variant of OPTIONAL_VARIANTS) {
    if (!context.provider.variants.includes(variant)) continue;
    try {
      media[variant] = await copyVariant(context, variant, signal);
    } catch (error) {
      // Frame extraction makes a thumbnail and sprite sheet for a video that came without them.
      if (!(error instanceof ProviderFailure)) throw error;
      log.warn("optional variant not copied", {
        jobId: context.job.id,
        variant,
        error: error.name,
      });
    }
  }
  media.video = await copyVariant(context, "video", signal);
  return media;
}

/**
 * Copies the finished video of a job the caller holds the copy lease on (`claimCopy`), then marks
 * the job completed. Duplicate deliveries and racing pollers are settled before this runs: only
 * one claim wins, and only the lease holder can complete.
 */
export async function copyFinishedVideo(
  context: JobContext,
  claim: CopyClaim,
  options: { providerCompletedAt?: string; now: () => number },
): Promise<CopyOutcome> {
  const { now } = options;
  const { job, lease } = claim;
  const claimed: JobContext = { ...context, job };
  const stopBeforeLeaseEnds = AbortSignal.timeout(
    Math.max(0, lease.until - now() - LEASE_SAFETY_MS),
  );
  let media: JobMedia;
  try {
    media = await copyVariants(claimed, stopBeforeLeaseEnds);
  } catch (error) {
    return afterFailure(job, error, now(), lease.id);
  }
  const completed = await completeCopy(job, lease.id, media, options.providerCompletedAt);
  return completed ? "copied" : afterLostWrite(job);
}
