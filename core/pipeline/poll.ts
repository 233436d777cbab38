/**
 * One look at a job: ask the provider how it is doing and act on the answer. Each poll either
 * ends the job, hands it to the copier, or schedules the next poll, so an active job always has a
 * poll on the way; the sweeper re-enqueues one whose message was lost.
 *
 * Writes come before the enqueue that depends on them, and the enqueue before the message is
 * acknowledged (the handler returns): a crash at any point leaves either the message to be
 * redelivered or an overdue `nextPollAt` for the sweeper.
 */
import { credentialForJob } from "../caller-providers";
import type { Job, JobError } from "../jobs/model";
import { claimCopy, getJob, recordPoll } from "../jobs/repository";
import { isTerminal } from "../jobs/state";
import { log } from "../log";
import { getProvider } from "../providers";
import { ProviderFailure, type NormalisedStatus } from "../providers/contract";
import { copyFinishedVideo, type CopyOutcome, type JobContext } from "./copy";
import {
  afterFailure,
  afterLostWrite,
  CONTENT_EXPIRED,
  expireJob,
  failJob,
  GIVE_UP_AFTER_MS,
  providerCopyLapsed,
  type FailureOutcome,
} from "./failures";
import { enqueuePoll, type PollMessage } from "./queue";
import { nextPollDelaySeconds } from "./schedule";

/**
 * How long a copier may hold a job: a bit under the poller's 5-minute timeout, so a copier killed
 * by the timeout has let go by the time its message comes back (the queue's visibility timeout is
 * 6 minutes). The copier itself stops shortly before the lease ends.
 */
export const COPY_LEASE_MS = 4.5 * 60 * 1000;

/** The local stack's crash tests shorten the lease (TAKES_COPY_LEASE_MS) so recovery takes seconds. */
const copyLeaseMs = () => Number(process.env.TAKES_COPY_LEASE_MS) || COPY_LEASE_MS;

const PROVIDER_GAVE_NO_REASON: JobError = {
  code: "generation_failed",
  message: "The provider could not generate this video.",
};

export const DEAD_LETTER_ERROR: JobError = {
  code: "processing_failed",
  message: "Takes could not process this job after retrying for 24 hours.",
};

export type PollOutcome =
  | "missing"
  | "ended"
  /** A later poll is already scheduled; this message is a duplicate or was overtaken. */
  | "superseded"
  /** Another copier holds the lease; if it dies, the sweeper brings the job back. */
  | "copying-elsewhere"
  | "running"
  | FailureOutcome
  | CopyOutcome;

/**
 * Polls one job. `scheduledFor` comes from the message (see PollMessage); `now` is for tests.
 * Throws only on the unexpected (a bug, or DynamoDB/SQS failing), leaving the message to be
 * redelivered and, after repeated failures, dead-lettered.
 */
export async function pollJob(
  message: PollMessage,
  options: { now?: () => number } = {},
): Promise<PollOutcome> {
  const now = options.now ?? Date.now;
  const job = await getJob(message.jobId);
  if (!job) return "missing";
  if (isTerminal(job.status)) return "ended";
  const { scheduledFor } = message;
  if (scheduledFor !== undefined && job.nextPollAt !== undefined && scheduledFor < job.nextPollAt) {
    return "superseded";
  }
  const context: JobContext = {
    job,
    provider: getProvider(job.provider),
    credential: credentialForJob(job),
  };
  if (job.status === "copying") {
    // The provider already reported the job finished: go straight to the copy.
    if (job.copyLease && job.copyLease.until > now()) return "copying-elsewhere";
    return claimAndCopy(context, { expiresAt: job.providerExpiresAt }, now);
  }

  let status: NormalisedStatus;
  try {
    status = await context.provider.getStatus(context.credential, job);
  } catch (error) {
    if (!(error instanceof ProviderFailure)) throw error;
    return afterFailure(job, error, now());
  }

  switch (status.status) {
    case "queued":
    case "in_progress":
      return recordRunning(job, { ...status, status: status.status }, now());
    case "failed":
      await failJob(job, status.error ?? PROVIDER_GAVE_NO_REASON);
      return "failed";
    case "completed":
      return claimAndCopy(context, status, now);
  }
}

async function recordRunning(
  job: Job,
  reported: Pick<NormalisedStatus, "progress" | "queuePosition"> & {
    status: "queued" | "in_progress";
  },
  now: number,
): Promise<PollOutcome> {
  const progress = reported.progress ?? 0;
  const progressMark = job.progressMark ?? (progress > 0 ? { progress, at: now } : undefined);
  // Where a provider reports no progress, its queue time ends when the job is first seen running.
  const startedAt = job.startedAt ?? (reported.status === "in_progress" ? now : undefined);
  const delaySeconds = nextPollDelaySeconds({ ...job, progressMark, startedAt }, reported, now);
  const nextPollAt = now + delaySeconds * 1000;
  const recorded = await recordPoll(job, {
    // Providers can report "queued" again or a lower progress; the job never moves backwards.
    status: job.status === "in_progress" ? "in_progress" : reported.status,
    progress: Math.max(job.progress, progress),
    progressMark,
    startedAt,
    queuePosition: reported.status === "queued" ? reported.queuePosition : undefined,
    nextPollAt,
  });
  // Not recorded: a concurrent poll moved the job on (or it was deleted) and schedules its own.
  if (!recorded) return "superseded";
  await enqueuePoll(job.id, delaySeconds, nextPollAt);
  return "running";
}

async function claimAndCopy(
  context: JobContext,
  status: Pick<NormalisedStatus, "expiresAt" | "completedAt" | "cost">,
  now: () => number,
): Promise<PollOutcome> {
  const { job } = context;
  if (providerCopyLapsed(status.expiresAt, now())) {
    await expireJob(job, CONTENT_EXPIRED);
    return "expired";
  }
  const claim = await claimCopy(job, {
    leaseMs: copyLeaseMs(),
    providerExpiresAt: status.expiresAt,
    providerCost: status.cost && { ...status.cost, final: true },
    now: now(),
  });
  // Another poller won the claim; it copies.
  if (!claim) return "copying-elsewhere";
  return copyFinishedVideo(context, claim, { providerCompletedAt: status.completedAt, now });
}

/**
 * A poll message that kept failing reached the dead-letter queue. What failed was Takes (a bug, or
 * DynamoDB or SQS), not necessarily the job: the provider is asked again, and the job fails only
 * when the provider says it failed or when it has run out of retries. Otherwise it is scheduled
 * again, backing off, so a finished video is still copied. A missing or ended job is left be.
 */
export async function recheckAfterDeadLetter(
  jobId: string,
  now = Date.now(),
): Promise<"missing" | "ended" | FailureOutcome> {
  const job = await getJob(jobId);
  if (!job) return "missing";
  if (isTerminal(job.status)) return "ended";
  if (now - Date.parse(job.createdAt) >= GIVE_UP_AFTER_MS) {
    if (!(await failJob(job, DEAD_LETTER_ERROR))) return afterLostWrite(job);
    log.error("job failed after its poll was dead-lettered", { jobId });
    return "failed";
  }
  if (job.status === "copying") {
    // The copier's lease ends at nextPollAt; the poll then takes the copy over if it died.
    const delaySeconds = Math.max(1, ((job.nextPollAt ?? now) - now) / 1000);
    await enqueuePoll(job.id, delaySeconds, job.nextPollAt);
    return "retrying";
  }
  let reported: NormalisedStatus | undefined;
  try {
    reported = await getProvider(job.provider).getStatus(credentialForJob(job), job);
  } catch (error) {
    if (error instanceof ProviderFailure) return afterFailure(job, error, now);
    log.warn("dead-letter recheck could not ask the provider", { jobId, error: error as Error });
  }
  if (reported?.status === "failed") {
    if (!(await failJob(job, reported.error ?? PROVIDER_GAVE_NO_REASON))) {
      return afterLostWrite(job);
    }
    return "failed";
  }
  // Running or finished at the provider: the next poll, backing off, carries it on.
  return afterFailure(job, new Error("the job's poll was dead-lettered"), now);
}
