import { DRAFTS_PREFIX, INCOMING_PREFIX } from "../core/media/layout";

// Tables and the media bucket. Only key attributes are declared: DynamoDB is schemaless otherwise.

/**
 * One item per generation job. Job ids are ULIDs, so sorting by `id` descending lists newest first.
 * `ownerStatus` is `${owner}#${status}` for the status filter; `pollShard` is present only while a
 * job is active, which keeps `byNextPoll` sparse and cheap for the sweeper, and spreads active jobs
 * over several partitions (`active#0`…, core/jobs/model.ts pollShardOf). `byProviderJob` maps a
 * provider's job id (all a webhook names) back to the job; `byParent`, sparse too, lists the
 * remixes and continuations made from a job.
 */
export const jobs = new sst.aws.Dynamo("Jobs", {
  fields: {
    id: "string",
    owner: "string",
    ownerStatus: "string",
    pollShard: "string",
    nextPollAt: "number",
    providerJobId: "string",
    parentId: "string",
  },
  primaryIndex: { hashKey: "id" },
  globalIndexes: {
    byOwner: { hashKey: "owner", rangeKey: "id" },
    byOwnerStatus: { hashKey: "ownerStatus", rangeKey: "id" },
    byNextPoll: { hashKey: "pollShard", rangeKey: "nextPollAt" },
    // Webhooks name the provider's job id; this finds the Takes job it belongs to.
    byProviderJob: { hashKey: "providerJobId" },
    byParent: { hashKey: "parentId", rangeKey: "id" },
  },
});

/**
 * Operator-issued access codes, keyed by a hash so a leaked table reveals no usable code. Each
 * carries its label, quota and reserved seconds, expiry and revocation (core/access-codes.ts).
 */
export const codes = new sst.aws.Dynamo("Codes", {
  fields: { codeHash: "string" },
  primaryIndex: { hashKey: "codeHash" },
});

/**
 * Rate-limit counters, one item per owner, action and window (core/rate-limit.ts). Lambdas share
 * no memory, so the counts live here; `ttl` lets DynamoDB delete a counter once it is stale.
 */
export const limits = new sst.aws.Dynamo("Limits", {
  fields: { id: "string" },
  primaryIndex: { hashKey: "id" },
  ttl: "ttl",
});

/**
 * Signed-in sessions (core/session-store.ts), one item per sign-in, keyed by owner and a random
 * session id, so "sign out everywhere" is one query. `byAccessCode`, sparse, lists the sessions of
 * an access code, so revoking the code ends them. `ttl` lets DynamoDB delete a session after it
 * expired; expiry itself is checked in code, since TTL deletion lags.
 */
export const sessions = new sst.aws.Dynamo("Sessions", {
  fields: { ownerId: "string", sessionId: "string", accessCodeHash: "string" },
  primaryIndex: { hashKey: "ownerId", rangeKey: "sessionId" },
  globalIndexes: {
    byAccessCode: { hashKey: "accessCodeHash" },
  },
  ttl: "ttl",
});

/**
 * Idempotency keys of the requests that start jobs (core/idempotency.ts), one item per owner and
 * key, naming the job the request made; `ttl` lets DynamoDB forget a key after a day.
 */
export const idempotencyKeys = new sst.aws.Dynamo("IdempotencyKeys", {
  fields: { id: "string" },
  primaryIndex: { hashKey: "id" },
  ttl: "ttl",
});

/**
 * Share links (core/shares.ts), keyed by their random token. `byJob` lists a job's links newest
 * first. `ttl` lets DynamoDB delete a link a week after it expired; expiry itself is checked in
 * code, since TTL deletion lags.
 */
export const shares = new sst.aws.Dynamo("Shares", {
  fields: { token: "string", jobId: "string", createdAt: "string" },
  primaryIndex: { hashKey: "token" },
  globalIndexes: {
    byJob: { hashKey: "jobId", rangeKey: "createdAt" },
  },
  ttl: "ttl",
});

/**
 * Videos, thumbnails, frames and reference images. Private: readers get short-lived presigned URLs,
 * and the browser plays them straight from S3, hence CORS for GET/HEAD (Range requests included).
 */
export const media = new sst.aws.Bucket("Media", {
  cors: {
    allowMethods: ["GET", "HEAD"],
    allowOrigins: ["*"],
    allowHeaders: ["Range"],
    exposeHeaders: ["Accept-Ranges", "Content-Length", "Content-Range", "ETag"],
    maxAge: "1 hour",
  },
  // A copier killed mid-upload leaves an invisible multipart upload behind, billed until aborted;
  // what a provider wrote into the bucket for a job that was never adopted (deleted meanwhile)
  // would stay for ever. SST's lifecycle rules only expire objects, so the rules are given here.
  lifecycle: [
    { id: "abort-incomplete-uploads" },
    { id: "expire-unadopted-outputs" },
    { id: "expire-unused-drafts" },
  ],
  transform: {
    lifecycle: (args) => {
      args.rules = [
        {
          id: "abort-incomplete-uploads",
          status: "Enabled",
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
        {
          id: "expire-unadopted-outputs",
          status: "Enabled",
          filter: { prefix: INCOMING_PREFIX },
          expiration: { days: 7 },
        },
        {
          // Generated reference images: a job keeps its own copy of one it uses.
          id: "expire-unused-drafts",
          status: "Enabled",
          filter: { prefix: DRAFTS_PREFIX },
          expiration: { days: 7 },
        },
      ];
    },
  },
});
