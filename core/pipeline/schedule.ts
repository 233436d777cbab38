/**
 * When to look at a job next. Each poll costs a provider request (and counts against its rate
 * limit), so polls aim at the moment the job should be done rather than ticking at a fixed rate:
 * first from what the model and length suggest, then from the progress the provider reports.
 * Every delay is whole seconds (SQS's unit), at least 1 s and at most SQS's 15 minutes.
 */
import type { Job } from "../jobs/model";
import { expectedGenerationSeconds } from "../providers/declarations";
import type { NormalisedStatus } from "../providers/contract";
import { MAX_DELAY_SECONDS } from "./queue";

const MIN_DELAY_SECONDS = 1;

/**
 * The first look comes early, at this share of the expected time: it tells whether the provider
 * has started and how fast it moves, and catches fast providers soon.
 */
const FIRST_POLL_SHARE = 0.1;

/**
 * When a job first reports progress it has no pace of its own yet; the next look comes after this
 * share of the model's expected time for the rest, soon enough to learn the pace before it ends.
 */
const PACE_PROBE_SHARE = 0.5;

/**
 * A job whose progress has not moved since the last poll is polled at least this share of its age
 * apart, and never more often than every STALLED_MIN_DELAY_SECONDS: its predicted remainder
 * shrinks towards zero near the end, and this keeps a job that sits at 99% from being polled
 * every second.
 */
const STALLED_SHARE_OF_AGE = 0.05;
const STALLED_MIN_DELAY_SECONDS = 5;

/**
 * A job still without progress past the model's expected time (a queue at the provider) is polled
 * at this share of its age, so a long wait is polled less often the longer it lasts, but at least
 * every OVERDUE_MAX_DELAY_SECONDS: it may start and finish between two looks.
 */
const OVERDUE_SHARE_OF_AGE = 0.1;
const OVERDUE_MAX_DELAY_SECONDS = 120;

/** Failed polls back off from RETRY_BASE_SECONDS, doubling up to RETRY_MAX_SECONDS. */
const RETRY_BASE_SECONDS = 2;
const RETRY_MAX_SECONDS = 300;

const toDelay = (seconds: number) =>
  Math.min(MAX_DELAY_SECONDS, Math.max(MIN_DELAY_SECONDS, Math.ceil(seconds)));

/** What the schedule knows of a job: what it is, and what its polls have seen. */
type ScheduledJob = Pick<
  Job,
  "provider" | "model" | "seconds" | "createdAt" | "progress" | "progressMark" | "startedAt"
>;

/** Delay before the first poll of a job just accepted by the provider. */
export function firstPollDelaySeconds(job: Pick<Job, "provider" | "model" | "seconds">): number {
  return toDelay(expectedGenerationSeconds(job) * FIRST_POLL_SHARE);
}

/**
 * Seconds until a job at `progress` (1-99) is done, by each thing known about its pace. Progress
 * is a whole percentage, so each reading is taken at its middle.
 */
function remainingEstimates(
  job: Pick<Job, "provider" | "model" | "seconds" | "progressMark">,
  progress: number,
  ageSeconds: number,
  now: number,
): number[] {
  const left = 100 - progress - 0.5;
  // The average pace since creation: right for providers that count their queue in progress.
  const estimates = [(ageSeconds * left) / (progress + 0.5)];
  const mark = job.progressMark;
  if (mark && progress > mark.progress && now > mark.at) {
    // The pace since progress was first seen: it leaves out time spent queued at the provider.
    estimates.push((left * (now - mark.at)) / 1000 / (progress - mark.progress));
  } else {
    const expectedRest = (expectedGenerationSeconds(job) * left) / 100;
    estimates.push(expectedRest * PACE_PROBE_SHARE);
  }
  return estimates;
}

/**
 * Delay before the next poll of a job the provider reports as still running, aimed at its
 * predicted completion: from the model's expected time until the job reports progress, then from
 * its own pace. Estimates disagree when a job sat in the provider's queue before it started, so
 * the earliest wins: a poll that comes early costs one request, one that comes late costs the
 * person waiting. A provider that reports no progress leaves only the expected time, counted from
 * when the job was first seen running.
 */
export function nextPollDelaySeconds(
  job: ScheduledJob,
  status: Pick<NormalisedStatus, "progress">,
  now: number,
): number {
  const ageSeconds = Math.max(0, (now - Date.parse(job.createdAt)) / 1000);
  const progress = status.progress;
  let remaining: number;
  if (progress !== undefined && progress > 0 && progress < 100) {
    remaining = Math.min(...remainingEstimates(job, progress, ageSeconds, now));
  } else if (progress === undefined && job.startedAt !== undefined) {
    remaining = expectedGenerationSeconds(job) - Math.max(0, (now - job.startedAt) / 1000);
  } else {
    remaining = expectedGenerationSeconds(job) - ageSeconds;
  }
  if (remaining <= 0) {
    return toDelay(Math.min(OVERDUE_MAX_DELAY_SECONDS, ageSeconds * OVERDUE_SHARE_OF_AGE));
  }
  // Without progress reports nothing says a job stalled: its expected time is all there is.
  if (progress === undefined || progress > job.progress) return toDelay(remaining);
  const stalledDelay = Math.max(STALLED_MIN_DELAY_SECONDS, ageSeconds * STALLED_SHARE_OF_AGE);
  return toDelay(Math.max(remaining, stalledDelay));
}

/**
 * Delay before retrying after the `consecutiveErrors`-th failure in a row (1 for the first):
 * exponential, capped, with "equal jitter" (half fixed, half random) so jobs that failed together
 * spread out yet never come back sooner than half the backoff. A provider's retry-after is a floor.
 */
export function retryDelaySeconds(
  consecutiveErrors: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const attempt = Math.max(1, consecutiveErrors);
  const backoff = Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1));
  const jittered = backoff / 2 + (random() * backoff) / 2;
  return toDelay(Math.max(jittered, (retryAfterMs ?? 0) / 1000));
}
