/**
 * Copies a finished video (and the thumbnail and sprite sheet, where the provider offers them)
 * from the provider into the media bucket, for the holder of the job's copy lease.
 *
 * Streams straight through: each file goes up as a multipart upload of fixed-size parts, a few
 * at a time, so memory stays flat however large the video. S3 shows an object only once its
 * upload completes, and a failed upload is aborted (its parts dropped), so an interrupted copy
 * never leaves a partial object under the final key.
 */
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Upload } from "@aws-sdk/lib-storage";
import { Resource } from "sst";
import { s3Client } from "../aws";
import {
  completeCopy,
  getJob,
  markExpired,
  markFailed,
  releaseCopy,
  type CopyClaim,
  type JobRef,
} from "../jobs/repository";
import { MEDIA_FILES, mediaFolder, mediaKey, type Job, type JobMedia } from "../jobs/model";
import { log } from "../log";
import { credentialForJob } from "../credentials";
import { enqueuePoll } from "../polling/queue";
import { decideAfterFailure } from "../polling/failures";
import { getProvider } from "../providers";
import {
  ProviderFailure,
  type DownloadedContent,
  type ProviderVariant,
  type VideoProvider,
} from "../providers/contract";
import { deletePrefix } from "./storage";

/** S3's minimum part size is 5 MiB; 8 MiB parts keep a 5 GB video well under 10,000 parts. */
export const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: memory stays near (QUEUE_SIZE + 1) × PART_SIZE per file. */
export const QUEUE_SIZE = 2;
/** Stop copying this long before the lease runs out, so no other copier is ever cut in on. */
const LEASE_SAFETY_MS = 15_000;

/**
 * The optional variants go first and the video last: the video's arrival starts frame extraction,
 * which then finds the provider's thumbnail and sprite sheet already stored and keeps them.
 */
const OPTIONAL_VARIANTS: readonly ProviderVariant[] = ["thumbnail", "spritesheet"];

export type CopyOutcome =
  | "copied"
  /** The copy failed for now; the lease was released and a retry enqueued. */
  | "retrying"
  | "expired"
  | "failed"
  /** Another copier took over (this one outlived its lease); it finishes the job. */
  | "superseded"
  /** The job was deleted while it was being copied; what was uploaded is deleted too. */
  | "deleted";

/** The provider's content type when it is of the expected kind, else the variant's own. */
function storedContentType(variant: ProviderVariant, offered: string): string {
  const expected = MEDIA_FILES[variant].contentType;
  const kind = (type: string) => type.split("/")[0];
  return kind(offered) === kind(expected) ? offered.split(";")[0]!.trim() : expected;
}

/** Counts the bytes that pass, and fails the stream if they differ from the declared length. */
function byteCounter(expectedLength: number | undefined) {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.byteLength;
      done(null, chunk);
    },
    flush(done) {
      const short = expectedLength !== undefined && counter.bytes !== expectedLength;
      done(short ? new Error(`Got ${counter.bytes} of ${expectedLength} bytes`) : null);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * Streams one downloaded file to `key`; returns the bytes stored. The object appears only once
 * the whole file is in; on any failure (the source's, S3's, or `signal`) there is none.
 */
export async function streamToBucket(
  key: string,
  content: DownloadedContent,
  contentType: string,
  signal: AbortSignal,
): Promise<number> {
  const source = Readable.fromWeb(content.body as Parameters<typeof Readable.fromWeb>[0]);
  const counted = byteCounter(content.contentLength);
  // A failure on either side destroys both; the upload sees it through `counted` and fails.
  pipeline(source, counted).catch(() => {});
  const upload = new Upload({
    client: s3Client(),
    params: { Bucket: Resource.Media.name, Key: key, Body: counted, ContentType: contentType },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  // Stopping is failing the source, not Upload.abort(): that rejects at once and aborts the
  // multipart upload later, in the background, where a returning Lambda would leave it hanging.
  // This way the upload is aborted before done() rejects.
  const stop = () => source.destroy(new Error("The copy was stopped before its lease ran out."));
  signal.addEventListener("abort", stop, { once: true });
  try {
    await upload.done();
    return counted.bytes;
  } finally {
    signal.removeEventListener("abort", stop);
    // Frees the provider connection when the upload stopped early.
    source.destroy();
  }
}

async function copyVariant(
  job: Job,
  provider: VideoProvider,
  credential: string,
  variant: ProviderVariant,
  signal: AbortSignal,
) {
  signal.throwIfAborted();
  const content = await provider.download(credential, job.providerJobId, variant);
  const key = mediaKey(job, variant);
  const contentType = storedContentType(variant, content.contentType);
  const bytes = await streamToBucket(key, content, contentType, signal);
  return { key, contentType, bytes };
}

/** Copies every variant the provider offers; the thumbnail and sprite sheet are best effort. */
async function copyVariants(job: Job, signal: AbortSignal): Promise<JobMedia> {
  const provider = getProvider(job.provider);
  const credential = credentialForJob(job);
  const media: JobMedia = {};
  for (const variant of OPTIONAL_VARIANTS) {
    if (!provider.capabilities.variants.includes(variant)) continue;
    try {
      media[variant] = await copyVariant(job, provider, credential, variant, signal);
    } catch (error) {
      // Frame extraction makes a thumbnail and sprite sheet for a video that came without them.
      if (!(error instanceof ProviderFailure)) throw error;
      log.warn("optional variant not copied", { jobId: job.id, variant, error: error.name });
    }
  }
  media.video = await copyVariant(job, provider, credential, "video", signal);
  return media;
}

/** After a failed copy: end the job, or give the lease back and schedule another attempt. */
async function afterFailedCopy(
  job: Job,
  leaseId: string,
  error: unknown,
  now: number,
): Promise<CopyOutcome> {
  const decision = decideAfterFailure(job, error, now);
  log.warn("copy failed", { jobId: job.id, error: error as Error, action: decision.action });
  if (decision.action !== "retry") {
    const end = decision.action === "expire" ? markExpired : markFailed;
    if (!(await end(job, decision.error))) return afterLostWrite(job);
    // A thumbnail copied before the video failed would belong to no recorded media.
    await deletePrefix(mediaFolder(job));
    return decision.action === "expire" ? "expired" : "failed";
  }
  // Released before enqueuing: if the enqueue fails, the job's overdue nextPollAt brings the
  // sweeper; the other way round, a retry could arrive to find the lease still held.
  const released = await releaseCopy(job, leaseId, decision.retryAt);
  if (!released) return afterLostWrite(job);
  await enqueuePoll(job.id, decision.delaySeconds, decision.retryAt);
  return "retrying";
}

/**
 * A lease holder's write did not hold: another copier took over (it stores the same keys), or the
 * job was deleted or ended meanwhile, in which case nothing will ever point at the uploaded files.
 */
async function afterLostWrite(ref: JobRef): Promise<CopyOutcome> {
  const job = await getJob(ref.id);
  if (job && !(job.status === "failed" || job.status === "expired")) return "superseded";
  await deletePrefix(mediaFolder(ref));
  return job ? "superseded" : "deleted";
}

/**
 * Copies the finished video of a job the caller holds the copy lease on (`claimCopy`), then marks
 * the job completed. Duplicate deliveries and racing pollers are settled before this runs: only
 * one claim wins, and only the lease holder can complete.
 */
export async function copyFinishedVideo(
  claim: CopyClaim,
  options: { providerCompletedAt?: string; now?: () => number } = {},
): Promise<CopyOutcome> {
  const now = options.now ?? Date.now;
  const { job, lease } = claim;
  const stopBeforeLeaseEnds = AbortSignal.timeout(
    Math.max(0, lease.until - now() - LEASE_SAFETY_MS),
  );
  let media: JobMedia;
  try {
    media = await copyVariants(job, stopBeforeLeaseEnds);
  } catch (error) {
    return afterFailedCopy(job, lease.id, error, now());
  }
  const completed = await completeCopy(job, lease.id, media, options.providerCompletedAt);
  return completed ? "copied" : afterLostWrite(job);
}
