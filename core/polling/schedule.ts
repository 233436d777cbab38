/**
 * When to look at a job next. Each poll costs a provider request (and counts against its rate
 * limit), so polls aim at the moment the job should be done rather than ticking at a fixed rate:
 * first from what the model and length suggest, then from the progress the provider reports.
 * Every delay is whole seconds (SQS's unit), at least 1 s and at most SQS's 15 minutes.
 */
import type { Job } from "../jobs/model";
import { modelFamily } from "../pricing";
import type { NormalisedStatus } from "../providers/contract";
import { MAX_DELAY_SECONDS } from "./queue";

const MIN_DELAY_SECONDS = 1;

/**
 * Rough generation times, in seconds: a fixed start-up cost plus a cost per second of output.
 * Only a prior: once a job reports progress, its own pace takes over.
 */
const GENERATION_TIME: Record<string, { base: number; perOutputSecond: number }> = {
  "sora-2": { base: 20, perOutputSecond: 10 },
  "sora-2-pro": { base: 40, perOutputSecond: 25 },
};
const UNKNOWN_MODEL_GENERATION_TIME = { base: 30, perOutputSecond: 15 };

/**
 * The first look comes early, at this share of the expected time: it tells whether the provider
 * has started and how fast it moves, and catches fast providers soon.
 */
const FIRST_POLL_SHARE = 0.1;

/** Progress at which the observed pace is trusted fully; below it, it is blended with the prior. */
const TRUSTED_PROGRESS = 25;

/**
 * Never poll again sooner than this share of the job's age: near the end the predicted remainder
 * shrinks towards zero, and this keeps a job that sits at 99% from being polled every second.
 */
const MIN_SHARE_OF_AGE = 0.05;

/**
 * A job past its predicted completion (a queue at the provider, a slow render) is polled at this
 * share of its age, so a stall is polled less often the longer it lasts, but at least every
 * OVERDUE_MAX_DELAY_SECONDS: the provider's copy may expire soon after it finishes.
 */
const OVERDUE_SHARE_OF_AGE = 0.1;
const OVERDUE_MAX_DELAY_SECONDS = 120;

/** Failed polls back off from RETRY_BASE_SECONDS, doubling up to RETRY_MAX_SECONDS. */
const RETRY_BASE_SECONDS = 2;
const RETRY_MAX_SECONDS = 300;

const toDelay = (seconds: number) =>
  Math.min(MAX_DELAY_SECONDS, Math.max(MIN_DELAY_SECONDS, Math.ceil(seconds)));

/** How long the provider should take to generate `seconds` of video with `model`, in seconds. */
export function expectedGenerationSeconds(model: string, seconds: number): number {
  const time = GENERATION_TIME[modelFamily(model)] ?? UNKNOWN_MODEL_GENERATION_TIME;
  return time.base + time.perOutputSecond * seconds;
}

/** Delay before the first poll of a job just accepted by the provider. */
export function firstPollDelaySeconds(job: Pick<Job, "model" | "seconds">): number {
  return toDelay(expectedGenerationSeconds(job.model, job.seconds) * FIRST_POLL_SHARE);
}

/**
 * Delay before the next poll of a job the provider reports as still running, aimed at its
 * predicted completion. The prediction blends the model's expected time with the pace the job
 * has shown so far (progress over time since creation), trusting the pace more as progress grows.
 */
export function nextPollDelaySeconds(
  job: Pick<Job, "model" | "seconds" | "createdAt">,
  status: Pick<NormalisedStatus, "progress">,
  now: number,
): number {
  const ageSeconds = Math.max(0, (now - Date.parse(job.createdAt)) / 1000);
  const expectedTotal = expectedGenerationSeconds(job.model, job.seconds);
  let predictedTotal = expectedTotal;
  if (status.progress > 0 && status.progress < 100 && ageSeconds > 0) {
    const observedTotal = (ageSeconds * 100) / status.progress;
    const trust = Math.min(1, status.progress / TRUSTED_PROGRESS);
    predictedTotal = trust * observedTotal + (1 - trust) * expectedTotal;
  }
  const remaining = predictedTotal - ageSeconds;
  if (remaining <= 0) {
    return toDelay(Math.min(OVERDUE_MAX_DELAY_SECONDS, ageSeconds * OVERDUE_SHARE_OF_AGE));
  }
  return toDelay(Math.max(remaining, ageSeconds * MIN_SHARE_OF_AGE));
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
