/**
 * What happens after a failure, for a poll or a copy alike: the decision (wait out an outage,
 * never letting it lose a job; end the job only on an answer retrying cannot change, a lapsed
 * provider copy or a day of failures) and carrying it out. Ending a job here gives the seconds it
 * reserved on an access code back, in the same write.
 */
import {
  awaitKey,
  getJob,
  endJob,
  recordPollFailure,
  releaseCopy,
  type EndingJob,
  type JobRef,
} from "../jobs/repository";
import type { Job, JobError } from "../jobs/model";
import { log } from "../log";
import { jobFolder } from "../media/layout";
import { deletePrefix } from "../media/storage";
import { ContentExpired, ProviderRateLimited, ProviderRejected } from "../providers/contract";
import { refundReservation } from "../quota";
import { enqueuePoll } from "./queue";
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

export const KEY_NO_LONGER_VALID: JobError = {
  code: "key_no_longer_valid",
  message:
    "The provider no longer accepts the key this video was made with. Once it works again at " +
    "the provider, carry on from this video's page or sign in with the key again; nothing is " +
    "lost meanwhile.",
};

export type FailureDecision =
  | { action: "expire"; error: JobError }
  /** The provider refused the owner's own key: wait for them to show it again. */
  | { action: "await-key"; reason: JobError }
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
  job: Pick<Job, "createdAt" | "consecutiveErrors" | "providerExpiresAt" | "sealedCredential">,
  error: unknown,
  now: number,
): FailureDecision {
  if (error instanceof ContentExpired || providerCopyLapsed(job.providerExpiresAt, now)) {
    return { action: "expire", error: CONTENT_EXPIRED };
  }
  // A person's own key that stopped working (revoked, or the account suspended) is theirs to
  // mend: failing the job would throw away a video the provider may still hold for them.
  if (
    error instanceof ProviderRejected &&
    [401, 403].includes(error.status) &&
    job.sealedCredential
  ) {
    return { action: "await-key", reason: KEY_NO_LONGER_VALID };
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

/** The job fails (the provider said so, or Takes gave up); its reserved seconds come back. */
export const failJob = (job: EndingJob, error: JobError) =>
  endJob(job, "failed", error, refundReservation);

/** The provider's copy lapsed before Takes stored it; its reserved seconds come back. */
export const expireJob = (job: EndingJob, error: JobError) =>
  endJob(job, "expired", error, refundReservation);

export type FailureOutcome =
  | "expired"
  | "failed"
  /** A poll that failed for now; the next one backs off. */
  | "retrying-poll"
  /** A copy that failed for now; the lease was released and a retry enqueued. */
  | "retrying"
  /** Parked until its owner shows their key again (resumeJobsAwaitingKey). */
  | "awaiting-key"
  /** Another poll or copier moved the job on; it carries on from there. */
  | "superseded"
  /** The job was deleted meanwhile; what was uploaded for it is deleted too. */
  | "deleted";

/**
 * After a failed poll or copy (`leaseId`: the copy lease the failed copier holds): ends the job,
 * or schedules another attempt. A lease is released before the retry is enqueued: if the enqueue
 * fails, the job's overdue nextPollAt brings the sweeper; the other way round, a retry could
 * arrive to find the lease still held.
 */
export async function afterFailure(
  job: Job,
  error: unknown,
  now: number,
  leaseId?: string,
): Promise<FailureOutcome> {
  const decision = decideAfterFailure(job, error, now);
  log.warn(leaseId ? "copy failed" : "poll failed", {
    jobId: job.id,
    error: error as Error,
    action: decision.action,
  });
  if (decision.action === "await-key") {
    if (!(await awaitKey(job, decision.reason, leaseId))) return afterLostWrite(job);
    return "awaiting-key";
  }
  if (decision.action !== "retry") {
    const end = decision.action === "expire" ? expireJob : failJob;
    if (!(await end(job, decision.error))) return afterLostWrite(job);
    // A thumbnail copied before the video failed would belong to no recorded media.
    await deletePrefix(jobFolder(job));
    return decision.action === "expire" ? "expired" : "failed";
  }
  const recorded = leaseId
    ? await releaseCopy(job, leaseId, decision.retryAt)
    : await recordPollFailure(job, decision.retryAt);
  if (!recorded) return afterLostWrite(job);
  await enqueuePoll(job.id, decision.delaySeconds, decision.retryAt);
  return leaseId ? "retrying" : "retrying-poll";
}

/**
 * A write that did not hold: another poller or copier moved the job on (it stores the same keys),
 * or the job was deleted or ended meanwhile, in which case nothing will ever point at what was
 * uploaded for it.
 */
export async function afterLostWrite(ref: JobRef): Promise<"superseded" | "deleted"> {
  const job = await getJob(ref.id);
  if (job && !(job.status === "failed" || job.status === "expired")) return "superseded";
  await deletePrefix(jobFolder(ref));
  return job ? "superseded" : "deleted";
}
