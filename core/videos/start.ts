/**
 * What starting a job takes, whether a new video (./create.ts) or a remix (./remix.ts): the
 * request's Idempotency-Key, where a provider's webhook goes, and recording the job its provider
 * accepted with its images, then queueing its first poll.
 */
import { ulid } from "ulid";
import { Resource } from "sst/resource";
import type { ResolvedCredential } from "../credentials";
import { parse } from "../fn";
import type { KeyedRequest } from "../idempotency";
import type { Job } from "../jobs/model";
import { createJob, getJob, type NewJobFields } from "../jobs/repository";
import { log } from "../log";
import { referenceKey } from "../media/layout";
import { putMedia } from "../media/storage";
import { queueProviderDelete } from "../pipeline/provider-deletes";
import { enqueuePoll } from "../pipeline/queue";
import { firstPollDelaySeconds } from "../pipeline/schedule";
import { estimateCostUsd } from "../providers/declarations";
import type { VideoProvider } from "../providers/contract";
import { StartHeaders } from "../requests";
import type { RequestClock } from "../time-budgets";
import { publicJob, type PublicJob } from "./view";

/** The caller's job with this id, as the API shows it; undefined when there is none. */
export async function madeJob(
  caller: ResolvedCredential,
  id: string,
): Promise<PublicJob | undefined> {
  const job = await getJob(id);
  return job?.owner === caller.ownerId ? publicJob(job) : undefined;
}

/**
 * Records a job its provider accepted, with its own copies of its images, and starts polling it.
 * Until the record is written nothing holds the provider's job: if writing fails, the provider is
 * asked to cancel it (through ProviderDeletes, never awaited) and the error goes on, so the seconds
 * reserved for it are given back. Once written nothing fails the request: the sweeper heals a lost
 * first poll.
 */
export async function recordNewJob(
  caller: ResolvedCredential,
  fields: NewJobFields & { id: string },
  images: { first?: Uint8Array; last?: Uint8Array } = {},
): Promise<PublicJob> {
  const delaySeconds = firstPollDelaySeconds(fields);
  let job: Job;
  try {
    job = await createJob({
      ...fields,
      // Every job keeps its own copies, even of stored images: deleting the job a frame came
      // from must not take the new job's images with it.
      referenceKey: await storeImage(caller, images.first),
      lastFrameKey: await storeImage(caller, images.last),
      estimatedCostUsd: estimateCostUsd(fields),
      owner: caller.ownerId,
      sealedCredential: caller.sealed,
      nextPollAt: Date.now() + delaySeconds * 1000,
    });
  } catch (error) {
    await queueProviderDelete({
      jobId: fields.id,
      provider: fields.provider,
      providerJobId: fields.providerJobId,
      model: fields.model,
      sealedCredential: caller.sealed,
    });
    throw error;
  }
  await enqueuePoll(job.id, delaySeconds).catch((error: unknown) => {
    log.warn("first poll not queued: the sweeper will find the job", {
      jobId: job.id,
      error: error as Error,
    });
  });
  return publicJob(job);
}

/** How a request that starts a job was sent. */
export interface StartOptions {
  /** The client's Idempotency-Key (checked by StartHeaders): a retry makes no second job. */
  idempotencyKey?: string;
  /** The request's clock, started as it began (by default, now): the provider gets what is left. */
  clock?: RequestClock;
}

/** The request under its key (400 for a malformed one), if it came with one: keys are per caller. */
export function keyedRequest(
  caller: ResolvedCredential,
  key: string | undefined,
  request: unknown,
): KeyedRequest | undefined {
  const valid = parse(StartHeaders, { "idempotency-key": key })["idempotency-key"];
  return valid ? { owner: caller.ownerId, key: valid, request } : undefined;
}

/** Where a provider that takes a webhook URL per job should post: Takes' own webhook route. */
export const webhookUrl = (provider: VideoProvider) =>
  "Api" in Resource
    ? `${Resource.Api.url.replace(/\/+$/, "")}/api/webhooks/${provider.name}`
    : undefined;

/** Keeps Takes' own copy of an image a job uses: deleting a job deletes it, and nothing else. */
async function storeImage(caller: ResolvedCredential, png: Uint8Array | undefined) {
  if (!png) return undefined;
  const key = referenceKey(caller.ownerId, ulid());
  await putMedia(key, png, "image/png");
  return key;
}
