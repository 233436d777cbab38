/**
 * Share links (docs/design.md, Sharing): `/s/{token}` lets anyone with the link watch one finished
 * video, until it expires or its owner revokes it. A share is an item in the Shares table keyed by
 * a random 128-bit token, stored with its job, owner, expiry, revocation and view count. A view
 * never hands out a long-lived URL: each one checks the share and mints presigned URLs of a few
 * minutes (MEDIA_URL_SECONDS), so revoking or expiring a link ends access within minutes.
 *
 * DynamoDB's TTL deletes a share some time after it stopped working (deletion lags by up to days),
 * so expiry is always checked here, in the same conditional write that counts the view.
 */
import { randomBytes } from "node:crypto";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
import { dynamoClient } from "./aws/dynamodb";
import type { ResolvedCredential } from "./credentials";
import { insertItem, updateItem } from "./dynamo";
import { notFound, TakesError } from "./errors";
import { fn } from "./fn";
import { isJobId, type Job } from "./jobs/model";
import { getJob } from "./jobs/repository";
import { sharedKey, type MediaVariant } from "./media/layout";
import { ensureCopy, MEDIA_URL_SECONDS, presignGet } from "./media/storage";
import { MAX_SHARE_SECONDS, RevokeShareRequest, ShareRequest, VideoRef } from "./requests";
import type { PublicShare } from "./responses";
import { ownJob } from "./videos";

/** 16 random bytes in base64url: 22 characters, no padding. */
const TOKEN_BYTES = 16;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{22}$/;

export const isShareToken = (value: string) => TOKEN_SHAPE.test(value);

/** The expiries the site offers; the API takes any whole number of seconds in the bounds. */
export const SHARE_EXPIRY_CHOICES = [
  { label: "1 hour", seconds: 60 * 60 },
  { label: "1 day", seconds: 24 * 60 * 60 },
  { label: "7 days", seconds: 7 * 24 * 60 * 60 },
  { label: "30 days", seconds: MAX_SHARE_SECONDS },
] as const;

/**
 * A share that stopped working stays in the table this long, so its owner still sees it listed as
 * expired and a visitor gets "expired" (410) rather than "not found"; then TTL deletes it.
 */
const KEEP_AFTER_EXPIRY_SECONDS = 7 * 24 * 60 * 60;

/** Shares listed per job at most (a person makes a handful). */
const MAX_LISTED = 100;

/** One share link, as stored in the Shares table. */
export interface Share {
  token: string;
  jobId: string;
  owner: string;
  /** ISO times: they compare in order as strings, so conditions can test them. */
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  views: number;
  /** Epoch seconds at which DynamoDB may delete the item. */
  ttl: number;
}

/** A share as its owner sees it (its schema is in core/responses.ts). */
export type { PublicShare };

/** What a visitor of a share link gets: the video's public facts and URLs of a few minutes. */
export interface SharedVideo {
  prompt: string;
  size: string;
  seconds: number;
  createdAt: string;
  video: { url: string; contentType: string };
  /** The thumbnail (or the first frame), for the player's poster and link previews. */
  poster: { url: string; contentType: string } | null;
  /** When the presigned URLs stop working. */
  urlsExpireAt: string;
}

const table = () => Resource.Shares.name;

export const newShareToken = () => randomBytes(TOKEN_BYTES).toString("base64url");

/** A revoked or expired link: a page of its own, distinct from one that never existed. */
export const shareGone = () =>
  new TakesError(410, "share_gone", "This link has expired or was revoked.");

/** An unknown or malformed token, or another owner's share: reveals nothing about which. */
const shareNotFound = () => notFound("There is no share link at this address.");

export function toPublicShare(share: Share, now = Date.now()): PublicShare {
  return {
    token: share.token,
    createdAt: share.createdAt,
    expiresAt: share.expiresAt,
    views: share.views,
    revoked: share.revokedAt !== undefined,
    expired: share.expiresAt <= new Date(now).toISOString(),
  };
}

/** The public address of a share on the origin (`https://host`) people reach Takes at. */
export const shareUrl = (origin: string, token: string) =>
  `${origin.replace(/\/+$/, "")}/s/${token}`;

const isShareable = (job: Job) => job.status === "completed" && job.media.video !== undefined;

/** A new link to the caller's completed job, working for `expiresIn` seconds. */
export const createShare = fn(
  ShareRequest,
  async (
    caller: ResolvedCredential,
    { id, expiresIn },
    now: number = Date.now(),
  ): Promise<PublicShare> => {
    const job = await ownJob(caller, id);
    if (!isShareable(job)) {
      throw new TakesError(409, "not_completed", "Only a completed video can be shared.");
    }
    const expiresAtMs = now + expiresIn * 1000;
    const share: Share = {
      token: newShareToken(),
      jobId: job.id,
      owner: caller.ownerId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
      views: 0,
      ttl: Math.ceil(expiresAtMs / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
    };
    // 128 random bits never collide in practice; the condition makes sure no link is overwritten.
    await insertItem(table(), { ...share }, "token");
    return toPublicShare(share, now);
  },
);

/** The links to the caller's job, newest first, with their view counts. */
export const listShares = fn(
  VideoRef,
  async (caller: ResolvedCredential, { id }, now: number = Date.now()): Promise<PublicShare[]> => {
    const job = await ownJob(caller, id);
    const { Items = [] } = await dynamoClient().send(
      new QueryCommand({
        TableName: table(),
        IndexName: "byJob",
        KeyConditionExpression: "#jobId = :jobId",
        // The job is the caller's, so its shares are too; the filter keeps it so if ids were reused.
        FilterExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#jobId": "jobId", "#owner": "owner" },
        ExpressionAttributeValues: { ":jobId": job.id, ":owner": caller.ownerId },
        ScanIndexForward: false,
        Limit: MAX_LISTED,
      }),
    );
    return (Items as Share[]).map((share) => toPublicShare(share, now));
  },
);

/**
 * Revokes one of the caller's links to the job. Revoking twice is fine (the first time is kept);
 * another owner's share, another job's or an unknown token is 404.
 */
export const revokeShare = fn(
  RevokeShareRequest,
  async (caller: ResolvedCredential, { id, token }, now: number = Date.now()): Promise<void> => {
    if (!isJobId(id) || !isShareToken(token)) throw shareNotFound();
    const revoked = await updateItem(
      table(),
      { token },
      {
        setIfMissing: { revokedAt: new Date(now).toISOString() },
        condition: "attribute_exists(#token) AND #owner = :owner AND #jobId = :jobId",
        values: { owner: caller.ownerId, jobId: id },
      },
    );
    if (!revoked) throw shareNotFound();
  },
);

/**
 * A presigned URL of the share's copy of a stored variant, made on first view: the job's own key
 * names its owner, and one person's links must not be traceable to each other.
 */
async function sharedUrl(job: Job, variant: MediaVariant): Promise<string> {
  const stored = job.media[variant]!;
  const key = sharedKey(job.id, variant);
  await ensureCopy(stored.key, key, stored.contentType);
  return presignGet(key, MEDIA_URL_SECONDS);
}

/**
 * Counts one view of a working link and returns what the visitor may see, with freshly presigned
 * URLs of a few minutes. The count and the checks are one conditional write, so concurrent views
 * all count and none counts on a revoked or expired link. 410 for a revoked or expired link (or
 * one whose video was deleted), 404 for anything else, malformed tokens included.
 */
export async function viewShare(token: string, now = Date.now()): Promise<SharedVideo> {
  if (!isShareToken(token)) throw shareNotFound();
  const share = await updateItem<Share>(
    table(),
    { token },
    {
      add: { views: 1 },
      condition:
        "attribute_exists(#token) AND attribute_not_exists(#revokedAt) AND #expiresAt > :now",
      values: { now: new Date(now).toISOString() },
    },
  );
  if (!share) {
    const { Item } = await dynamoClient().send(
      new GetCommand({ TableName: table(), Key: { token }, ConsistentRead: true }),
    );
    throw Item ? shareGone() : shareNotFound();
  }
  const job = await getJob(share.jobId);
  // The video was deleted since (or is somehow another's): the link no longer leads anywhere.
  if (!job || job.owner !== share.owner || !isShareable(job)) throw shareGone();
  const video = job.media.video!;
  const posterVariant = job.media.thumbnail ? "thumbnail" : "firstFrame";
  const poster = job.media[posterVariant];
  const [videoUrl, posterUrl] = await Promise.all([
    sharedUrl(job, "video"),
    poster ? sharedUrl(job, posterVariant) : undefined,
  ]);
  return {
    prompt: job.prompt,
    size: job.size,
    seconds: job.seconds,
    createdAt: job.createdAt,
    video: { url: videoUrl, contentType: video.contentType },
    poster: poster && posterUrl ? { url: posterUrl, contentType: poster.contentType } : null,
    urlsExpireAt: new Date(Date.now() + MEDIA_URL_SECONDS * 1000).toISOString(),
  };
}
