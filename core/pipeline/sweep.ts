/**
 * The safety net under the poll chain: a job whose next poll is overdue lost its message (a crash
 * between write and enqueue, an enqueue that failed, a copier that died holding its lease), so it
 * gets a new one. Polls are idempotent, so a message that was only late does no harm.
 */
import { dueForPoll, refileUnshardedJobs } from "../jobs/repository";
import { log } from "../log";
import { enqueuePoll } from "./queue";

/** A delivered poll arrives within seconds of its time: only jobs later than this are stuck. */
export const OVERDUE_GRACE_MS = 30_000;
/** Jobs requeued per sweep; more wait for the next sweep, a minute later. */
const MAX_JOBS_PER_SWEEP = 500;
/** Enqueues in flight at once. */
const ENQUEUE_CONCURRENCY = 20;

/** Enqueues an immediate poll for every active job that is overdue; returns how many. */
export async function requeueOverduePolls(now = Date.now()): Promise<number> {
  // Jobs filed before the index was sharded are moved into their shards first, so they are found.
  const refiled = await refileUnshardedJobs(MAX_JOBS_PER_SWEEP);
  if (refiled > 0) log.info("refiled active jobs into poll shards", { count: refiled });
  const overdue = await dueForPoll(now - OVERDUE_GRACE_MS, MAX_JOBS_PER_SWEEP);
  for (let start = 0; start < overdue.length; start += ENQUEUE_CONCURRENCY) {
    const slice = overdue.slice(start, start + ENQUEUE_CONCURRENCY);
    await Promise.all(slice.map((job) => enqueuePoll(job.id, 0)));
  }
  if (overdue.length > 0) {
    log.warn("requeued overdue polls", {
      count: overdue.length,
      jobIds: overdue.slice(0, 20).map((job) => job.id),
      more: overdue.length === MAX_JOBS_PER_SWEEP,
    });
  }
  return overdue.length;
}
