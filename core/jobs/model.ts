import { monotonicFactory } from "ulid";
import type { ProviderCost } from "../providers/contract";
import type { MediaObject, MediaVariant } from "../media/layout";
import type { ActiveStatus, JobStatus } from "./state";

/** Why a job failed or expired: a code for programs and a message for people. */
export interface JobError {
  code: string;
  message: string;
}

/** What is stored for a job, by variant (the bucket layout is core/media/layout.ts). */
export type JobMedia = Partial<Record<MediaVariant, MediaObject>>;

/** A copier's exclusive right to stream a finished video into S3, until `until` (ms epoch). */
export interface CopyLease {
  id: string;
  until: number;
}

/**
 * Seconds of an access code's quota a job reserved when it was created (core/quota.ts). The job's
 * end gives them back once, in the same write, if it failed or expired; `refundedAt` records that.
 */
export interface QuotaReservation {
  codeHash: string;
  seconds: number;
  reservedAt: string;
  refundedAt?: string;
}

/**
 * Active jobs are spread over this many partitions of the sparse byNextPoll index (the sweeper's),
 * so no one partition takes the index writes of every poll of every active job.
 */
export const POLL_SHARDS = 8;

/** Every partition of byNextPoll that holds active jobs: `active#0` … `active#7`. */
export const POLL_SHARD_KEYS = Array.from({ length: POLL_SHARDS }, (_, n) => `active#${n}`);

/**
 * The one partition every active job was filed under before the index was sharded. The sweeper
 * moves what it finds there into its shard (repository `refileUnshardedJobs`), so jobs stored
 * by an earlier version, or written by one still running during a deploy, are never orphaned.
 */
export const UNSHARDED_POLL_KEY = "active";

/** The ULID alphabet (Crockford's base 32). */
const ULID_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The `pollShard` an active job carries, from its id's last character: random in a ULID, and one
 * up for each further id made in the same millisecond. A function of the id, so every write agrees.
 */
export function pollShardOf(id: string): string {
  const digit = Math.max(0, ULID_DIGITS.indexOf(id.at(-1) ?? ""));
  return POLL_SHARD_KEYS[digit % POLL_SHARDS]!;
}

/** A progress reading and when it was taken (ms epoch). */
export interface ProgressMark {
  progress: number;
  at: number;
}

/** One generation request, as stored in the Jobs table. */
export interface Job {
  /** A ULID: sortable by creation time, so "newest first" is "id descending". */
  id: string;
  owner: string;
  provider: string;
  providerJobId: string;
  model: string;
  prompt: string;
  seconds: number;
  /** "WIDTHxHEIGHT", e.g. "1280x720". */
  size: string;
  /** Takes' own copy of the image the clip starts from (core/media/layout.ts referenceKey). */
  referenceKey?: string;
  /** Takes' own copy of the image the clip ends on, for models that take one. */
  lastFrameKey?: string;
  /** Whether the clip was asked to have sound (models whose sound is optional). */
  sound?: boolean;
  /** The job this one remixes or continues. */
  parentId?: string;
  status: JobStatus;
  /** 0-100, never decreasing. */
  progress: number;
  /** The first poll that reported progress; the job's pace is measured from it. Only while active. */
  progressMark?: ProgressMark;
  /** Ms epoch of the first poll that found the job running: a provider's queue time ends there. */
  startedAt?: number;
  /** Where the job waits in the provider's queue, as it last said. Only while queued. */
  queuePosition?: number;
  error: JobError | null;
  createdAt: string;
  providerCompletedAt?: string;
  copiedAt?: string;
  /** When the provider stops serving the finished files: the copy must happen before. */
  providerExpiresAt?: string;
  media: JobMedia;
  /**
   * Set while the provider refuses the owner's key (revoked, or its account suspended): the job
   * waits, with no poll scheduled, until the owner signs in with the key again.
   */
  awaitingKey?: JobError;
  /** Why the stored video has no frames: it could not be read (damaged, or too slow to decode). */
  framesError?: JobError;
  pollCount: number;
  /** Ms epoch of the next poll (while copying: when the copy lease runs out). Only while active. */
  nextPollAt?: number;
  /** Only while active: its partition of the sweeper's index (`pollShardOf`). */
  pollShard?: string;
  /** `${owner}#${status}`, the key of the status filter index. */
  ownerStatus: string;
  /** The person's own provider key, sealed (core/sealing.ts); only while the job is active. */
  sealedCredential?: string;
  copyLease?: CopyLease;
  /** At the model's list price; undefined when no price is known for the model at this size. */
  estimatedCostUsd?: number;
  /** What the provider said it charges: its estimate at create, then its actual cost. */
  providerCost?: ProviderCost & { final: boolean };
  /** Provider or copy failures in a row; a successful poll resets it. */
  consecutiveErrors: number;
  /** Only for jobs an access code paid for; brought keys have no quota. */
  quotaReservation?: QuotaReservation;
}

/** What the caller decides when it creates a job; the rest starts out the same for every job. */
export type NewJob = Pick<
  Job,
  | "owner"
  | "provider"
  | "providerJobId"
  | "model"
  | "prompt"
  | "seconds"
  | "size"
  | "referenceKey"
  | "lastFrameKey"
  | "sound"
  | "parentId"
  | "sealedCredential"
  | "quotaReservation"
  | "providerCost"
  | "estimatedCostUsd"
> & {
  /** Given when the id had to be known before the job is recorded (the provider's token). */
  id?: string;
  /** Ms epoch of the first poll. */
  nextPollAt: number;
};

// Monotonic, so jobs created in the same millisecond by one process still list in creation order.
const monotonicId = monotonicFactory();

/** A new job's id: a ULID, so ids sort in creation order. */
export const newJobId = (now = Date.now()) => monotonicId(now);

const JOB_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isJobId = (value: string) => JOB_ID.test(value);

/** The most jobs one page of a library listing holds. */
export const MAX_PAGE_SIZE = 100;

export const ownerStatusOf = (owner: string, status: JobStatus) => `${owner}#${status}`;

export function newJob(input: NewJob, now = new Date()): Job {
  const status: ActiveStatus = "queued";
  const id = input.id ?? newJobId(now.getTime());
  return {
    ...input,
    id,
    status,
    progress: 0,
    error: null,
    createdAt: now.toISOString(),
    media: {},
    pollCount: 0,
    pollShard: pollShardOf(id),
    ownerStatus: ownerStatusOf(input.owner, status),
    consecutiveErrors: 0,
  };
}
