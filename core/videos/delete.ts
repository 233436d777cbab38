/** Deleting a video: its record, its files, and (through ProviderDeletes) the provider's copy. */
import type { ResolvedCredential } from "../credentials";
import { notFound } from "../errors";
import { fn } from "../fn";
import { deleteJob } from "../jobs/repository";
import { incomingFolder, jobFolder, sharedFolder } from "../media/layout";
import { deletePrefix } from "../media/storage";
import { queueProviderDelete } from "../pipeline/provider-deletes";
import { VideoRef } from "../requests";

/**
 * Deletes the job, then its media. The provider's copy (a running job cancelled, so no more work
 * is billed; a finished one's files deleted) is queued for the ProviderDeletes worker and never
 * awaited here: a slow or unavailable provider must not hold up, or fail, the person's delete.
 */
export const deleteVideo = fn(VideoRef, async (caller: ResolvedCredential, { id }) => {
  const job = await deleteJob(caller.ownerId, id);
  if (!job) throw notFound("There is no video with that id.");
  await queueProviderDelete({
    jobId: job.id,
    provider: job.provider,
    providerJobId: job.providerJobId,
    model: job.model,
    // The key that made the job: still sealed on it while it runs, else the caller's own.
    sealedCredential: job.sealedCredential ?? caller.sealed,
  });
  await deletePrefix(jobFolder(job));
  // The copies its share links played go with it.
  await deletePrefix(sharedFolder(job.id));
  // What a provider may still write into the bucket for it is expired by the bucket's lifecycle.
  await deletePrefix(incomingFolder(job.id));
  for (const image of [job.referenceKey, job.lastFrameKey]) if (image) await deletePrefix(image);
});
