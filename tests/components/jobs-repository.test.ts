import { beforeAll, describe, expect, it } from "vitest";
import type { ResolvedCredential } from "#core/credentials";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { dynamoClient } from "#core/aws";
import {
  POLL_SHARD_KEYS,
  UNSHARDED_POLL_KEY,
  newJobId,
  pollShardOf,
  type Job,
  type NewJob,
} from "#core/jobs/model";
import { mediaKey } from "#core/media/layout";
import { expireJob, failJob } from "#core/pipeline/failures";
import { ownJob } from "#core/videos/index";
import {
  claimCopy,
  completeCopy,
  createJob,
  deleteJob,
  dueForPoll,
  getJob,
  listChildJobs,
  listJobs,
  recordMedia,
  recordPoll,
  recordPollFailure,
  refileUnshardedJobs,
  releaseCopy,
} from "#core/jobs/repository";
import { takesRejection } from "../support/errors";
import { newJobInput, uniqueId } from "../support/jobs";
import { useLinkedResources } from "../support/resources";

useLinkedResources();

/** A fresh owner per test keeps the tests independent on one shared table. */
const newOwner = () => uniqueId("owner_");

const LEASE_MS = 60_000;
/** Next polls in these tests lie an hour ahead, clear of the overdue-poll queries' past times. */
const LATER = Date.now() + 3_600_000;

const input = (owner: string, overrides: Partial<NewJob> = {}) =>
  newJobInput({
    owner,
    sealedCredential: "v1.sealed.key.tag",
    nextPollAt: Date.now() + 5_000,
    ...overrides,
  });

const videoMedia = (job: Job) => ({
  video: { key: mediaKey(job, "video"), contentType: "video/mp4", bytes: 4096 },
  thumbnail: { key: mediaKey(job, "thumbnail"), contentType: "image/webp", bytes: 512 },
});

describe("jobs repository", () => {
  it("creates a job and reads it back only for its owner", async () => {
    const owner = newOwner();
    const job = await createJob(input(owner));
    expect(await getJob(job.id)).toEqual(job);
    const caller = (ownerId: string) => ({ ownerId }) as ResolvedCredential;
    expect(await ownJob(caller(owner), job.id)).toEqual(job);
    expect((await takesRejection(ownJob(caller(newOwner()), job.id))).status).toBe(404);
    expect(await getJob("not-a-job-id")).toBeUndefined();
  });

  it("records polls: status moves forward, progress only rises, poll count counts", async () => {
    const job = await createJob(input(newOwner()));
    const first = await recordPoll(job, { status: "queued", progress: 0, nextPollAt: LATER + 1 });
    expect(first).toMatchObject({ status: "queued", pollCount: 1, nextPollAt: LATER + 1 });

    const mark = { progress: 40, at: LATER + 1 };
    const second = await recordPoll(job, {
      status: "in_progress",
      progress: 40,
      progressMark: mark,
      nextPollAt: LATER + 2,
    });
    expect(second).toMatchObject({
      status: "in_progress",
      progress: 40,
      progressMark: mark,
      pollCount: 2,
      ownerStatus: `${job.owner}#in_progress`,
    });

    // A stale reading loses: lower progress, or "queued" after "in_progress".
    expect(
      await recordPoll(job, { status: "in_progress", progress: 30, nextPollAt: LATER + 3 }),
    ).toBeUndefined();
    expect(
      await recordPoll(job, { status: "queued", progress: 50, nextPollAt: LATER + 3 }),
    ).toBeUndefined();
    expect(await getJob(job.id)).toMatchObject({
      status: "in_progress",
      progress: 40,
      pollCount: 2,
    });

    // A poll without a mark keeps the one recorded.
    expect(
      await recordPoll(job, { status: "in_progress", progress: 40, nextPollAt: LATER + 4 }),
    ).toMatchObject({
      progress: 40,
      progressMark: mark,
      pollCount: 3,
    });
  });

  it("counts failed polls in a row and resets the count on a good one", async () => {
    const job = await createJob(input(newOwner()));
    await recordPollFailure(job, LATER + 10);
    expect(await recordPollFailure(job, LATER + 20)).toMatchObject({
      consecutiveErrors: 2,
      nextPollAt: LATER + 20,
    });
    expect(
      await recordPoll(job, { status: "in_progress", progress: 5, nextPollAt: LATER + 30 }),
    ).toMatchObject({
      consecutiveErrors: 0,
      pollCount: 3,
    });
  });

  it("lets exactly one of many concurrent claimers copy", async () => {
    const job = await createJob(input(newOwner()));
    await recordPoll(job, { status: "in_progress", progress: 90, nextPollAt: LATER + 1 });
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => claimCopy(job, { leaseMs: LEASE_MS })),
    );
    const winners = claims.filter((claim) => claim !== undefined);
    expect(winners).toHaveLength(1);
    const [winner] = winners;
    expect(winner?.job).toMatchObject({
      status: "copying",
      copyLease: winner?.lease,
      nextPollAt: winner?.lease.until,
      ownerStatus: `${job.owner}#copying`,
    });
    // A poller that still thinks the job is running cannot pull it back.
    expect(
      await recordPoll(job, { status: "in_progress", progress: 95, nextPollAt: LATER + 2 }),
    ).toBeUndefined();
    expect((await getJob(job.id))?.status).toBe("copying");
  });

  it("completes a copy for the lease holder and keeps the job completed for good", async () => {
    const job = await createJob(input(newOwner()));
    const progressMark = { progress: 50, at: LATER };
    await recordPoll(job, { status: "in_progress", progress: 50, progressMark, nextPollAt: LATER });
    const claim = await claimCopy(job, {
      leaseMs: LEASE_MS,
      providerExpiresAt: "2026-11-20T11:00:00.000Z",
    });
    expect(claim).toBeDefined();
    expect(await completeCopy(job, "someone-elses-lease", videoMedia(job))).toBeUndefined();

    const done = await completeCopy(
      job,
      claim!.lease.id,
      videoMedia(job),
      "2026-11-20T10:00:00.000Z",
    );
    expect(done).toMatchObject({
      status: "completed",
      ownerStatus: `${job.owner}#completed`,
      progress: 100,
      error: null,
      media: videoMedia(job),
      providerCompletedAt: "2026-11-20T10:00:00.000Z",
      providerExpiresAt: "2026-11-20T11:00:00.000Z",
    });
    expect(done?.copiedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const gone of [
      "pollShard",
      "nextPollAt",
      "progressMark",
      "sealedCredential",
      "copyLease",
    ]) {
      expect(done).not.toHaveProperty(gone);
    }

    // Nothing moves a completed job: not a late poll, a duplicate copier, a failure or a second completion.
    expect(
      await recordPoll(job, { status: "in_progress", progress: 100, nextPollAt: LATER + 1 }),
    ).toBeUndefined();
    expect(
      await claimCopy(job, { leaseMs: LEASE_MS, now: Date.now() + 10 * LEASE_MS }),
    ).toBeUndefined();
    expect(await failJob(job, { code: "late", message: "too late" })).toBeUndefined();
    expect(await expireJob(job, { code: "late", message: "too late" })).toBeUndefined();
    expect(await completeCopy(job, claim!.lease.id, videoMedia(job))).toBeUndefined();
    expect(await getJob(job.id)).toEqual(done);
  });

  it("lets a lease that ran out be retaken, and only the new holder complete", async () => {
    const job = await createJob(input(newOwner()));
    const start = Date.now();
    const crashed = await claimCopy(job, { leaseMs: LEASE_MS, now: start });
    expect(crashed).toBeDefined();
    const until = crashed!.lease.until;

    expect(await claimCopy(job, { leaseMs: LEASE_MS, now: until - 1 })).toBeUndefined();
    const retaken = await claimCopy(job, { leaseMs: LEASE_MS, now: until + 1 });
    expect(retaken?.lease.id).not.toBe(crashed!.lease.id);

    expect(await completeCopy(job, crashed!.lease.id, videoMedia(job))).toBeUndefined();
    expect(await completeCopy(job, retaken!.lease.id, videoMedia(job))).toMatchObject({
      status: "completed",
    });
  });

  it("releases a lease after a failed copy so the next attempt can claim at once", async () => {
    const job = await createJob(input(newOwner()));
    const first = await claimCopy(job, { leaseMs: LEASE_MS });
    expect(await releaseCopy(job, "not-the-lease")).toBeUndefined();

    const released = await releaseCopy(job, first!.lease.id, LATER + 1234);
    expect(released).toMatchObject({
      status: "copying",
      nextPollAt: LATER + 1234,
      consecutiveErrors: 1,
    });
    expect(released).not.toHaveProperty("copyLease");

    const second = await claimCopy(job, { leaseMs: LEASE_MS });
    expect(second).toBeDefined();
    expect(await completeCopy(job, first!.lease.id, videoMedia(job))).toBeUndefined();
    expect(await completeCopy(job, second!.lease.id, videoMedia(job))).toMatchObject({
      status: "completed",
      consecutiveErrors: 0,
    });
  });

  it("fails or expires only active jobs, and forgets what an ended job no longer needs", async () => {
    const owner = newOwner();
    const queued = await createJob(input(owner));
    const failed = await failJob(queued, { code: "moderation", message: "Blocked." });
    expect(failed).toMatchObject({
      status: "failed",
      ownerStatus: `${owner}#failed`,
      error: { code: "moderation", message: "Blocked." },
    });
    for (const gone of ["pollShard", "nextPollAt", "sealedCredential"]) {
      expect(failed).not.toHaveProperty(gone);
    }
    expect(await expireJob(queued, { code: "expired", message: "gone" })).toBeUndefined();
    expect(
      await recordPoll(queued, { status: "in_progress", progress: 10, nextPollAt: LATER + 1 }),
    ).toBeUndefined();
    expect(await claimCopy(queued, { leaseMs: LEASE_MS })).toBeUndefined();

    const copying = await createJob(input(owner));
    const claim = await claimCopy(copying, { leaseMs: LEASE_MS });
    const expired = await expireJob(copying, { code: "content_expired", message: "Lapsed." });
    expect(expired).toMatchObject({ status: "expired" });
    expect(expired).not.toHaveProperty("copyLease");
    expect(await completeCopy(copying, claim!.lease.id, videoMedia(copying))).toBeUndefined();
  });

  it("records frames in any status without touching the rest, and never creates a job", async () => {
    const job = await createJob(input(newOwner()));
    const claim = await claimCopy(job, { leaseMs: LEASE_MS });
    // The video's S3 event can beat the copier's completion: frames land while still copying.
    const firstFrame = { key: mediaKey(job, "firstFrame"), contentType: "image/png", bytes: 100 };
    expect(await recordMedia(job, { firstFrame })).toMatchObject({
      status: "copying",
      media: { firstFrame },
    });
    const done = await completeCopy(job, claim!.lease.id, videoMedia(job));
    expect(done?.media).toEqual({ ...videoMedia(job), firstFrame });

    const lastFrame = { key: mediaKey(job, "lastFrame"), contentType: "image/png", bytes: 200 };
    expect((await recordMedia(job, { lastFrame }))?.media).toEqual({
      ...videoMedia(job),
      firstFrame,
      lastFrame,
    });

    const missing = { id: "01JD0000000000000000000000", owner: job.owner };
    expect(await recordMedia(missing, { lastFrame })).toBeUndefined();
    expect(await getJob(missing.id)).toBeUndefined();
    expect(await recordMedia({ id: job.id, owner: newOwner() }, { lastFrame })).toBeUndefined();
  });

  it("spreads active jobs over the shards of the poll index, and ended ones leave it", async () => {
    const owner = newOwner();
    const jobs = await Promise.all(
      Array.from({ length: 4 * POLL_SHARD_KEYS.length }, () => createJob(input(owner))),
    );
    const stored = await Promise.all(jobs.map((job) => getJob(job.id)));
    for (const job of stored) expect(job?.pollShard).toBe(pollShardOf(job!.id));
    const used = new Set(stored.map((job) => job?.pollShard));
    expect(POLL_SHARD_KEYS.length).toBeGreaterThanOrEqual(4);
    // Not all in one partition: at least half the shards hold some of these 32 jobs.
    expect(used.size).toBeGreaterThanOrEqual(POLL_SHARD_KEYS.length / 2);
    for (const shard of used) expect(POLL_SHARD_KEYS).toContain(shard);
    await failJob(jobs[0]!, { code: "x", message: "x" });
    expect((await getJob(jobs[0]!.id))?.pollShard).toBeUndefined();
  });

  it("finds overdue active jobs by next poll across shards, including copies whose lease ran out", async () => {
    // Times near the epoch keep other tests' jobs (due at real times) out of these queries.
    const owner = newOwner();
    // Each job in a shard of its own, so the answer is merged across shards.
    const idInShard = (shard: string) => {
      for (;;) {
        const id = newJobId();
        if (pollShardOf(id) === shard) return id;
      }
    };
    const [inShard0, inShard1, inShard2, inShard3, inShard4] = POLL_SHARD_KEYS.map(idInShard);
    const due = await createJob(input(owner, { id: inShard0, nextPollAt: 1_000 }));
    const later = await createJob(input(owner, { id: inShard1, nextPollAt: 1_500 }));
    const notYet = await createJob(input(owner, { id: inShard2, nextPollAt: 3_000 }));
    const ended = await createJob(input(owner, { id: inShard3, nextPollAt: 900 }));
    await failJob(ended, { code: "x", message: "x" });
    const copying = await createJob(input(owner, { id: inShard4, nextPollAt: 10 }));
    await claimCopy(copying, { leaseMs: 1_000, now: 200 }); // lease runs to 1_200

    expect((await dueForPoll(2_000, 10)).map((job) => job.id)).toEqual([
      due.id,
      copying.id,
      later.id,
    ]);
    expect((await dueForPoll(1_100, 10)).map((job) => job.id)).toEqual([due.id]);
    expect((await dueForPoll(2_000, 2)).map((job) => job.id)).toEqual([due.id, copying.id]);
    expect((await dueForPoll(5_000, 10)).map((job) => job.id)).toContain(notYet.id);
  });

  it("moves jobs filed under the old single partition into their shards, and no ended ones", async () => {
    // As a version before the sharding left them: filed under "active".
    const fileUnsharded = (job: Job) =>
      dynamoClient().send(
        new UpdateCommand({
          TableName: Resource.Jobs.name,
          Key: { id: job.id },
          UpdateExpression: "SET pollShard = :unsharded",
          ExpressionAttributeValues: { ":unsharded": UNSHARDED_POLL_KEY },
        }),
      );
    const owner = newOwner();
    const overdue = await createJob(input(owner, { nextPollAt: 2 }));
    const running = await createJob(input(owner, { nextPollAt: LATER }));
    const ending = await createJob(input(owner, { nextPollAt: 3 }));
    for (const job of [overdue, running, ending]) await fileUnsharded(job);
    expect((await dueForPoll(100, 10)).map((job) => job.id)).not.toContain(overdue.id);
    // An ended job has left the index: moving the others must not put it back.
    await failJob(ending, { code: "x", message: "x" });

    expect(await refileUnshardedJobs(100)).toBeGreaterThanOrEqual(2);
    expect((await getJob(overdue.id))?.pollShard).toBe(pollShardOf(overdue.id));
    expect((await getJob(running.id))?.pollShard).toBe(pollShardOf(running.id));
    expect((await getJob(ending.id))?.pollShard).toBeUndefined();
    expect((await dueForPoll(100, 10)).map((job) => job.id)).toContain(overdue.id);
  });

  describe("listing", () => {
    const owner = newOwner();
    let created: Job[] = [];
    beforeAll(async () => {
      created = [];
      for (let index = 0; index < 7; index++) created.push(await createJob(input(owner)));
      await createJob(input(newOwner())); // someone else's
      await failJob(created[1]!, { code: "x", message: "x" });
      await failJob(created[4]!, { code: "x", message: "x" });
    });
    const newestFirst = () => created.map((job) => job.id).reverse();

    it("pages newest first with a cursor, and ends with a null cursor", async () => {
      const first = await listJobs(owner, { limit: 3 });
      const second = await listJobs(owner, { limit: 3, cursor: first.nextCursor! });
      const third = await listJobs(owner, { limit: 3, cursor: second.nextCursor! });
      expect([first, second, third].map((page) => page.jobs.length)).toEqual([3, 3, 1]);
      expect(third.nextCursor).toBeNull();
      expect([first, second, third].flatMap((page) => page.jobs.map((job) => job.id))).toEqual(
        newestFirst(),
      );
    });

    it("has no empty last page when the jobs fill the pages exactly", async () => {
      const page = await listJobs(owner, { limit: 7 });
      expect(page.jobs).toHaveLength(7);
      expect(page.nextCursor).toBeNull();
    });

    it("filters by status", async () => {
      const failed = await listJobs(owner, { limit: 10, status: "failed" });
      expect(failed.jobs.map((job) => job.id)).toEqual([created[4]!.id, created[1]!.id]);
      const queued = await listJobs(owner, { limit: 2, status: "queued" });
      const rest = await listJobs(owner, {
        limit: 10,
        status: "queued",
        cursor: queued.nextCursor!,
      });
      expect([...queued.jobs, ...rest.jobs].map((job) => job.id)).toEqual(
        newestFirst().filter((id) => id !== created[1]!.id && id !== created[4]!.id),
      );
      expect((await listJobs(owner, { limit: 10, status: "completed" })).jobs).toEqual([]);
    });

    it("shows each owner only their own jobs", async () => {
      const stranger = await listJobs(newOwner(), { limit: 10 });
      expect(stranger).toEqual({ jobs: [], nextCursor: null });
      const mine = await listJobs(owner, { limit: 100 });
      expect(mine.jobs.every((job) => job.owner === owner)).toBe(true);
    });

    it.each([
      ["garbage", "!!!"],
      ["a non-id", Buffer.from("hello").toString("base64url")],
      ["a padded id", `${Buffer.from("01JD0000000000000000000000").toString("base64url")}==`],
    ])("rejects %s as a cursor with a 400", async (_, cursor) => {
      const error = await takesRejection(listJobs(owner, { limit: 3, cursor }));
      expect(error.status).toBe(400);
      expect(error.code).toBe("invalid_cursor");
    });

    it.each([0, 101, 2.5])("rejects a limit of %d with a 400", async (limit) => {
      expect((await takesRejection(listJobs(owner, { limit }))).status).toBe(400);
    });
  });

  it("lists the jobs made from a job, newest first, only its owner's", async () => {
    const owner = newOwner();
    const parent = await createJob(input(owner));
    const remix = await createJob(input(owner, { parentId: parent.id }));
    await createJob(input(owner)); // no parent
    const continuation = await createJob(input(owner, { parentId: parent.id }));
    await createJob(input(owner, { parentId: remix.id })); // a grandchild
    await createJob(input(newOwner(), { parentId: parent.id })); // never made by someone else

    expect((await listChildJobs(owner, parent.id)).map((job) => job.id)).toEqual([
      continuation.id,
      remix.id,
    ]);
    expect(await listChildJobs(newOwner(), parent.id)).toEqual([]);
    expect(await listChildJobs(owner, continuation.id)).toEqual([]);
  });

  it("deletes a job only for its owner and returns what it deleted", async () => {
    const owner = newOwner();
    const job = await createJob(input(owner));
    expect(await deleteJob(newOwner(), job.id)).toBeUndefined();
    expect(await getJob(job.id)).toBeDefined();
    expect(await deleteJob(owner, job.id)).toEqual(job);
    expect(await getJob(job.id)).toBeUndefined();
    expect(await deleteJob(owner, job.id)).toBeUndefined();
    // A write after deletion must not bring the job back.
    expect(
      await recordPoll(job, { status: "in_progress", progress: 50, nextPollAt: LATER + 1 }),
    ).toBeUndefined();
    expect(await getJob(job.id)).toBeUndefined();
  });
});
