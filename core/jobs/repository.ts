import { randomUUID } from "node:crypto";
import { DeleteCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
import { dynamoClient } from "../aws/dynamodb";
import {
  insertItem,
  isConditionFailure,
  transact,
  updateItem,
  updateParams,
  type TransactItem,
  type Update,
} from "../dynamo";
import { badRequest } from "../errors";
import {
  MAX_PAGE_SIZE,
  POLL_SHARD_KEYS,
  UNSHARDED_POLL_KEY,
  isJobId,
  newJob,
  ownerStatusOf,
  pollShardOf,
  type CopyLease,
  type Job,
  type JobError,
  type JobMedia,
  type NewJob,
  type QuotaReservation,
} from "./model";
import { isActive, statusesAllowedBefore, type JobStatus } from "./state";
import { withoutSecrets } from "../redact";

/**
 * The Jobs table. Every state change is one conditional write whose condition comes from the state
 * machine, so duplicate deliveries, racing pollers and crashed copiers cannot move a job backwards,
 * copy it twice or resurrect a deleted one. A write whose condition does not hold returns undefined:
 * the caller lost a race or acted on a stale view, and should re-read the job if it cares why.
 */

/** Writes name a job by id and owner: the owner never changes, and every write checks it. */
export type JobRef = Pick<Job, "id" | "owner">;

const table = () => Resource.Jobs.name;

/** A conditional update of one job: every write also checks the owner. */
type JobUpdate = Update & { condition: string };

/** The job's update as DynamoDB parameters. The owner check fails on a missing item, so an update never creates one. */
const jobUpdateParams = (ref: JobRef, update: JobUpdate) =>
  updateParams(
    table(),
    { id: ref.id },
    {
      ...update,
      condition: `#owner = :owner AND (${update.condition})`,
      values: { ...update.values, owner: ref.owner },
    },
  );

/** Applies the update if its condition holds; returns the job as it is afterwards. */
const updateJob = (ref: JobRef, update: JobUpdate) =>
  updateItem<Job>(
    table(),
    { id: ref.id },
    {
      ...update,
      condition: `#owner = :owner AND (${update.condition})`,
      values: { ...update.values, owner: ref.owner },
    },
  );

/** The condition and values that allow a move to `to`, per the state machine. */
function movingTo(to: JobStatus) {
  const from = statusesAllowedBefore(to);
  return {
    condition: `#status IN (${from.map((status) => `:from_${status}`).join(", ")})`,
    values: Object.fromEntries(from.map((status) => [`from_${status}`, status])),
  };
}

const statusFields = (ref: JobRef, status: JobStatus) => ({
  status,
  ownerStatus: ownerStatusOf(ref.owner, status),
});

/**
 * What an ended job no longer needs: its place in the poll index, its progress mark, the sealed
 * key, the copy lease.
 */
const ACTIVE_ONLY_FIELDS = [
  "pollShard",
  "nextPollAt",
  "progressMark",
  "startedAt",
  "queuePosition",
  "sealedCredential",
  "copyLease",
];

/** Most jobs one page of a listing holds. */

/** What a use case decides about a new job; the owner, key and first poll come from the caller. */
export type NewJobFields = Omit<NewJob, "owner" | "sealedCredential" | "nextPollAt">;

export async function createJob(input: NewJob, now = new Date()): Promise<Job> {
  const job = newJob(input, now);
  await insertItem(table(), { ...job }, "id");
  return job;
}

/**
 * Any owner's job, read consistently. The pipeline acts on any job; a person's request goes
 * through core/videos' ownJob, which checks the owner.
 */
export async function getJob(id: string): Promise<Job | undefined> {
  if (!isJobId(id)) return undefined;
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table(), Key: { id }, ConsistentRead: true }),
  );
  return Item as Job | undefined;
}

/** Deletes the job if `owner` owns it; returns what was deleted, so the caller can remove its media. */
export async function deleteJob(owner: string, id: string): Promise<Job | undefined> {
  if (!isJobId(id)) return undefined;
  try {
    const { Attributes } = await dynamoClient().send(
      new DeleteCommand({
        TableName: table(),
        Key: { id },
        ConditionExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":owner": owner },
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes as Job | undefined;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

export interface JobPage {
  jobs: Job[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

// The cursor is the last listed id, encoded so clients treat it as opaque.
const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url");

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isJobId(id) || encodeCursor(id) !== cursor) {
    throw badRequest("invalid_cursor", "The cursor is not one this API returned.");
  }
  return id;
}

/** The owner's jobs, newest first, optionally only those in one status. Index queries, never a scan. */
export async function listJobs(
  owner: string,
  options: { cursor?: string; status?: JobStatus; limit: number },
): Promise<JobPage> {
  const { cursor, status, limit } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badRequest(
      "invalid_limit",
      `The limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`,
    );
  }
  const [index, hashName, hashValue] = status
    ? ["byOwnerStatus", "ownerStatus", ownerStatusOf(owner, status)]
    : ["byOwner", "owner", owner];
  const before = cursor === undefined ? undefined : decodeCursor(cursor);
  // One extra item tells whether another page exists without returning an empty last page.
  const { Items = [] } = await dynamoClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: index,
      KeyConditionExpression: `#hash = :hash${before ? " AND #id < :before" : ""}`,
      ExpressionAttributeNames: { "#hash": hashName, ...(before ? { "#id": "id" } : {}) },
      ExpressionAttributeValues: { ":hash": hashValue, ...(before ? { ":before": before } : {}) },
      ScanIndexForward: false,
      Limit: limit + 1,
    }),
  );
  const jobs = Items.slice(0, limit) as Job[];
  const last = jobs.at(-1);
  return { jobs, nextCursor: Items.length > limit && last ? encodeCursor(last.id) : null };
}

/**
 * The owner's jobs made from `parentId` (its remixes and continuations), newest first, at most
 * `limit` of them. A query of the sparse byParent index: only jobs with a parent are in it.
 */
export async function listChildJobs(
  owner: string,
  parentId: string,
  limit = MAX_PAGE_SIZE,
): Promise<Job[]> {
  const { Items = [] } = await dynamoClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: "byParent",
      KeyConditionExpression: "#parentId = :parentId",
      // A child is only ever made by its parent's owner; the filter makes sure of it.
      FilterExpression: "#owner = :owner",
      ExpressionAttributeNames: { "#parentId": "parentId", "#owner": "owner" },
      ExpressionAttributeValues: { ":parentId": parentId, ":owner": owner },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items as Job[];
}

/**
 * Records a poll of a running job. Holds only while the job may still move to `status` (a stale
 * "queued" cannot overwrite "in_progress") and progress does not fall: a stale reading loses.
 */
export function recordPoll(
  ref: JobRef,
  poll: Pick<Job, "progress" | "progressMark" | "startedAt" | "queuePosition" | "nextPollAt"> & {
    status: "queued" | "in_progress";
  },
): Promise<Job | undefined> {
  const allowed = movingTo(poll.status);
  return updateJob(ref, {
    set: {
      ...statusFields(ref, poll.status),
      progress: poll.progress,
      ...(poll.progressMark && { progressMark: poll.progressMark }),
      ...(poll.startedAt !== undefined && { startedAt: poll.startedAt }),
      ...(poll.queuePosition !== undefined && { queuePosition: poll.queuePosition }),
      nextPollAt: poll.nextPollAt,
      consecutiveErrors: 0,
    },
    // A queue position belongs to a job still queued: once running, it is out of date.
    ...(poll.queuePosition === undefined && { remove: ["queuePosition"] }),
    add: { pollCount: 1 },
    condition: `${allowed.condition} AND #progress <= :progress`,
    values: { ...allowed.values, progress: poll.progress },
  });
}

/** Records a poll that failed (provider unavailable, rate limited): try again at `nextPollAt`. */
export function recordPollFailure(ref: JobRef, nextPollAt: number): Promise<Job | undefined> {
  return updateJob(ref, {
    set: { nextPollAt },
    add: { pollCount: 1, consecutiveErrors: 1 },
    condition: "#status IN (:queued, :in_progress)",
    values: { queued: "queued", in_progress: "in_progress" },
  });
}

export interface CopyClaim {
  lease: CopyLease;
  job: Job;
}

/**
 * Takes the exclusive right to copy the finished video into S3 for `leaseMs`. Wins if the job is
 * still running, or is being copied under a lease that ran out (the copier crashed or was
 * released); exactly one of any number of concurrent claimers wins. While copying, `nextPollAt`
 * is the lease's end, so the sweeper brings the job back if its copier dies.
 */
export async function claimCopy(
  ref: JobRef,
  options: {
    leaseMs: number;
    providerExpiresAt?: string;
    /** What the provider reported it charged, when it says. */
    providerCost?: Job["providerCost"];
    now?: number;
  },
): Promise<CopyClaim | undefined> {
  const now = options.now ?? Date.now();
  const lease: CopyLease = { id: randomUUID(), until: now + options.leaseMs };
  const allowed = movingTo("copying");
  const job = await updateJob(ref, {
    set: {
      ...statusFields(ref, "copying"),
      copyLease: lease,
      nextPollAt: lease.until,
      ...(options.providerExpiresAt ? { providerExpiresAt: options.providerExpiresAt } : {}),
      ...(options.providerCost && { providerCost: options.providerCost }),
    },
    // The state machine says who may become "copying"; the lease says when a copying job may be
    // retaken.
    condition:
      `${allowed.condition} AND (#status <> :copying OR ` +
      "attribute_not_exists(#copyLease) OR #copyLease.#until <= :now)",
    values: { ...allowed.values, copying: "copying", now },
  });
  return job && { lease, job };
}

const holdingLease = (leaseId: string) => ({
  condition: "#status = :copying AND #copyLease.#id = :leaseId",
  values: { copying: "copying", leaseId },
});

/**
 * Marks the copy done. Holds only for the lease holder, so a copier whose lease was retaken cannot
 * complete over the one now copying. Media entries are set one by one: the frames side may have
 * recorded its frames already, as its S3 event fires as soon as the video lands.
 */
export function completeCopy(
  ref: JobRef,
  leaseId: string,
  media: JobMedia,
  providerCompletedAt?: string,
  now = new Date(),
): Promise<Job | undefined> {
  return updateJob(ref, {
    set: {
      ...statusFields(ref, "completed"),
      progress: 100,
      error: null,
      consecutiveErrors: 0,
      copiedAt: now.toISOString(),
      ...(providerCompletedAt ? { providerCompletedAt } : {}),
      ...mediaFields(media),
    },
    remove: ACTIVE_ONLY_FIELDS,
    ...holdingLease(leaseId),
  });
}

/**
 * Gives the lease back after a failed copy (S3 error), so the next poll at `retryAt` can claim it
 * again. The job stays "copying": states never move backwards.
 */
export function releaseCopy(
  ref: JobRef,
  leaseId: string,
  retryAt = Date.now(),
): Promise<Job | undefined> {
  return updateJob(ref, {
    set: { nextPollAt: retryAt },
    add: { consecutiveErrors: 1 },
    remove: ["copyLease"],
    ...holdingLease(leaseId),
  });
}

/**
 * Parks an active job whose provider refused its owner's key: nothing polls it (it leaves the
 * sweeper's index) until the owner signs in with the key again (resumeJobsAwaitingKey). A copier
 * (`leaseId`) lets its lease go, so the resumed poll can copy.
 */
export function awaitKey(ref: JobRef, reason: JobError, leaseId?: string) {
  return updateJob(ref, {
    set: { awaitingKey: reason },
    add: { pollCount: 1, consecutiveErrors: 1 },
    remove: ["nextPollAt", "pollShard", ...(leaseId ? ["copyLease"] : [])],
    ...(leaseId
      ? holdingLease(leaseId)
      : {
          condition: "#status IN (:queued, :in_progress)",
          values: { queued: "queued", in_progress: "in_progress" },
        }),
  });
}

/**
 * Puts the owner's jobs that wait for their key back on the poll schedule, due now; returns them.
 * Called when the owner shows the key again, so the provider is asked at once.
 */
export async function resumeJobsAwaitingKey(owner: string, now = Date.now()): Promise<Job[]> {
  const waiting = await Promise.all(
    (["queued", "in_progress", "copying"] as const).map(async (status) => {
      const { Items = [] } = await dynamoClient().send(
        new QueryCommand({
          TableName: table(),
          IndexName: "byOwnerStatus",
          KeyConditionExpression: "#ownerStatus = :ownerStatus",
          FilterExpression: "attribute_exists(#awaitingKey)",
          ExpressionAttributeNames: {
            "#ownerStatus": "ownerStatus",
            "#awaitingKey": "awaitingKey",
          },
          ExpressionAttributeValues: { ":ownerStatus": ownerStatusOf(owner, status) },
        }),
      );
      return Items as Job[];
    }),
  );
  const resumed = await Promise.all(
    waiting.flat().map((job) =>
      updateJob(job, {
        set: { pollShard: pollShardOf(job.id), nextPollAt: now, consecutiveErrors: 0 },
        remove: ["awaitingKey"],
        condition: "attribute_exists(#awaitingKey)",
        values: {},
      }),
    ),
  );
  return resumed.filter((job): job is Job => job !== undefined);
}

/** A job about to end, as the caller read it: its quota reservation, if any, is given back. */
export type EndingJob = JobRef & Pick<Job, "quotaReservation">;

/**
 * The write that gives a reservation's seconds back to its access code, in the same transaction
 * as the job's end (core/quota.ts owns it; the job only records that it happened).
 */
export type RefundWrite = (reservation: QuotaReservation) => TransactItem;

/**
 * Ends the job and gives its reserved seconds back in one transaction, so the seconds come back
 * exactly once: only the write that ends an active job carries the refund.
 */
async function endAndRefund(
  job: JobRef,
  reservation: QuotaReservation,
  ending: JobUpdate,
  refund: RefundWrite,
): Promise<Job | undefined> {
  const refunded: JobUpdate = {
    ...ending,
    set: { ...ending.set, "quotaReservation.refundedAt": new Date().toISOString() },
    condition:
      `(${ending.condition}) AND #quotaReservation.#codeHash = :codeHash ` +
      "AND attribute_not_exists(#quotaReservation.#refundedAt)",
    values: { ...ending.values, codeHash: reservation.codeHash },
  };
  const refused = await transact([{ Update: jobUpdateParams(job, refunded) }, refund(reservation)]);
  if (!refused) return getJob(job.id);
  const [jobReason, codeReason] = refused;
  // The job ended (or was deleted) meanwhile: the write that ended it gave the seconds back.
  if (jobReason === "ConditionalCheckFailed") return undefined;
  // The code was deleted by hand: nothing to give back to, and the job must still end.
  if (codeReason === "ConditionalCheckFailed") return updateJob(job, ending);
  throw new Error(`The end of job ${job.id} was refused: ${refused.join(", ")}`);
}

/**
 * The provider failed the job or its copy lapsed ("expired"), or Takes gave up on it. Only an
 * active job can end so; seconds it reserved on an access code are given back through `refund`.
 */
export async function endJob(
  job: EndingJob,
  status: "failed" | "expired",
  error: JobError,
  refund: RefundWrite,
): Promise<Job | undefined> {
  const allowed = movingTo(status);
  const ending: JobUpdate = {
    // A failure's reason may quote the provider, and the provider what it was sent.
    set: {
      ...statusFields(job, status),
      error: { ...error, message: withoutSecrets(error.message) },
    },
    remove: ACTIVE_ONLY_FIELDS,
    ...allowed,
  };
  const reservation = job.quotaReservation;
  if (reservation) return endAndRefund(job, reservation, ending, refund);
  const ended = await updateJob(job, {
    ...ending,
    condition: `(${allowed.condition}) AND attribute_not_exists(#quotaReservation)`,
  });
  if (ended) return ended;
  // The caller's view showed no reservation: if the job has one, ending it must give it back.
  const current = await getJob(job.id);
  if (current?.owner !== job.owner || !current.quotaReservation || !isActive(current.status)) {
    return undefined;
  }
  return endAndRefund(current, current.quotaReservation, ending, refund);
}

const mediaFields = (media: JobMedia) =>
  Object.fromEntries(
    Object.entries(media).map(([variant, object]) => [`media.${variant}`, object]),
  );

/** Records stored media (the frames side's first and last frame) in any status; the job must exist. */
export function recordMedia(ref: JobRef, media: JobMedia): Promise<Job | undefined> {
  if (Object.keys(media).length === 0) throw new Error("recordMedia needs at least one entry");
  return updateJob(ref, {
    set: mediaFields(media),
    condition: "attribute_exists(#id)",
    values: {},
  });
}

/** Records why a stored video's frames cannot be made; undefined when the job is gone. */
export function recordFramesError(ref: JobRef, error: JobError): Promise<Job | undefined> {
  return updateJob(ref, {
    set: { framesError: error },
    condition: "attribute_exists(#id)",
    values: {},
  });
}

/** One shard's active jobs whose next poll is before `now`, oldest first. */
async function dueInShard(shard: string, now: number, limit: number): Promise<Job[]> {
  const { Items = [] } = await dynamoClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: "byNextPoll",
      KeyConditionExpression: "#pollShard = :shard AND #nextPollAt < :now",
      ExpressionAttributeNames: { "#pollShard": "pollShard", "#nextPollAt": "nextPollAt" },
      ExpressionAttributeValues: { ":shard": shard, ":now": now },
      Limit: limit,
    }),
  );
  return Items as Job[];
}

/**
 * Active jobs whose next poll is overdue (copying ones whose lease ran out included), oldest first:
 * every shard of byNextPoll is read, and the `limit` oldest across them kept.
 */
export async function dueForPoll(now: number, limit: number): Promise<Job[]> {
  const shards = await Promise.all(POLL_SHARD_KEYS.map((shard) => dueInShard(shard, now, limit)));
  return shards
    .flat()
    .sort((a, b) => (a.nextPollAt ?? 0) - (b.nextPollAt ?? 0))
    .slice(0, limit);
}

/**
 * Moves up to `limit` active jobs still filed under the index's one old partition into their own
 * shards; returns how many moved. Each move holds only while the job is still filed there: a job
 * that ended or was parked meanwhile has left the index, and stays out.
 */
export async function refileUnshardedJobs(limit: number): Promise<number> {
  const { Items = [] } = await dynamoClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: "byNextPoll",
      KeyConditionExpression: "#pollShard = :unsharded",
      ExpressionAttributeNames: { "#pollShard": "pollShard" },
      ExpressionAttributeValues: { ":unsharded": UNSHARDED_POLL_KEY },
      Limit: limit,
    }),
  );
  const moved = await Promise.all(
    (Items as Job[]).map((job) =>
      updateJob(job, {
        set: { pollShard: pollShardOf(job.id) },
        condition: "#pollShard = :unsharded",
        values: { unsharded: UNSHARDED_POLL_KEY },
      }),
    ),
  );
  return moved.filter(Boolean).length;
}

/**
 * The job a provider's webhook is about, by the provider's own job id (the byProviderJob index).
 * The index is eventually consistent: a webhook racing the job's creation may miss it, which is
 * fine, as polling finds the job anyway.
 */
export async function findJobByProviderJobId(
  provider: string,
  providerJobId: string,
): Promise<Job | undefined> {
  const { Items = [] } = await dynamoClient().send(
    new QueryCommand({
      TableName: table(),
      IndexName: "byProviderJob",
      KeyConditionExpression: "#providerJobId = :providerJobId",
      ExpressionAttributeNames: { "#providerJobId": "providerJobId" },
      ExpressionAttributeValues: { ":providerJobId": providerJobId },
    }),
  );
  // Ids are unique per provider only, so two providers could in theory share one.
  return (Items as Job[]).find((job) => job.provider === provider);
}
