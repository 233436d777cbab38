/**
 * The way back for jobs parked because their provider refused the owner's own key (failures.ts,
 * "await-key"): when the owner shows the key again, their jobs are polled at once. A key that is
 * still refused parks them again after one look; one that works again carries them on.
 */
import type { ResolvedCredential } from "../credentials";
import { resumeJobsAwaitingKey } from "../jobs/repository";
import { log } from "../log";
import { enqueuePoll } from "./queue";

/** Resumes the caller's jobs that wait for their key; returns how many. */
export async function resumeJobsWaitingForKey(caller: ResolvedCredential): Promise<number> {
  if (caller.kind !== "brought-key") return 0;
  const resumed = await resumeJobsAwaitingKey(caller.ownerId);
  for (const job of resumed) await enqueuePoll(job.id, 0, job.nextPollAt);
  if (resumed.length > 0) log.info("jobs resumed", { jobs: resumed.map((job) => job.id) });
  return resumed.length;
}
