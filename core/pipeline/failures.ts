/**
 * What a failed poll or copy means for the job. Outages are waited out, never allowed to lose a
 * job; only an answer that retrying cannot change, a lapsed provider copy or a day of failures
 * ends it.
 */
import type { Job, JobError } from "../jobs/model";
import { ContentExpired, ProviderRateLimited, ProviderRejected } from "../providers/contract";
import { retryDelaySeconds } from "./schedule";

/**
 * How long Takes keeps retrying a job that keeps failing. Generations take minutes, so a job this
 * old whose provider (or storage) still fails has been failing for nearly all of that time.
 */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

export const CONTENT_EXPIRED: JobError = {
  code: "content_expired",
  message: "The provider stopped serving this video before Takes could store it.",
};

export const RETRIES_EXHAUSTED: JobError = {
  code: "retries_exhausted",
  message: "Takes could not get this video from the provider after retrying for 24 hours.",
};

export type FailureDecision =
  | { action: "expire"; error: JobError }
  | { action: "fail"; error: JobError }
  /** Try again after `delaySeconds`, at `retryAt` (ms epoch). */
  | { action: "retry"; delaySeconds: number; retryAt: number };

/** True once the provider's copy of the finished files has lapsed. */
export const providerCopyLapsed = (expiresAt: string | undefined, now: number) =>
  expiresAt !== undefined && Date.parse(expiresAt) <= now;

/**
 * The decision after `error` (a typed provider failure, or an S3 or network error while copying)
 * for a job that has failed `job.consecutiveErrors` times in a row before this.
 */
export function decideAfterFailure(
  job: Pick<Job, "createdAt" | "consecutiveErrors" | "providerExpiresAt">,
  error: unknown,
  now: number,
): FailureDecision {
  if (error instanceof ContentExpired || providerCopyLapsed(job.providerExpiresAt, now)) {
    return { action: "expire", error: CONTENT_EXPIRED };
  }
  if (error instanceof ProviderRejected) {
    return { action: "fail", error: { code: `provider_${error.code}`, message: error.message } };
  }
  if (now - Date.parse(job.createdAt) >= GIVE_UP_AFTER_MS) {
    return { action: "fail", error: RETRIES_EXHAUSTED };
  }
  let delaySeconds = retryDelaySeconds(
    job.consecutiveErrors + 1,
    error instanceof ProviderRateLimited ? error.retryAfterMs : undefined,
  );
  // A retry after the provider's copy lapses would only find it gone: try once more just before.
  if (job.providerExpiresAt !== undefined) {
    const secondsLeft = Math.floor((Date.parse(job.providerExpiresAt) - now) / 1000);
    delaySeconds = Math.max(1, Math.min(delaySeconds, secondsLeft - 1));
  }
  return { action: "retry", delaySeconds, retryAt: now + delaySeconds * 1000 };
}
