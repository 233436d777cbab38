import type { ResolvedCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import type { PublicJob } from "$core/videos/view";
import { getVideoCard, listChildVideos } from "$core/videos";

/**
 * The job this one remixes or continues, as its card (all the job page shows of it), or null when
 * it has none or it was deleted.
 */
export async function parentOf(caller: ResolvedCredential, job: PublicJob) {
  if (!job.parentId) return null;
  return getVideoCard(caller, { id: job.parentId }).catch((error: unknown) => {
    if (error instanceof TakesError && error.status === 404) return null;
    throw error;
  });
}

/** The remixes and continuations made from `job`, newest first, as their cards. */
export const childrenOf = (caller: ResolvedCredential, job: PublicJob) =>
  listChildVideos(caller, { id: job.id });
