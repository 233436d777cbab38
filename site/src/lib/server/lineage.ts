import type { ResolvedCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import type { PublicJob } from "$core/jobs/model";
import { MAX_PAGE_SIZE } from "$core/jobs/repository";
import { getVideo, listVideos } from "$core/videos";

/** Pages of the library read at most to find a take's descendants. */
const MAX_PAGES = 5;

/** The job this one remixes or continues, or null when it has none or it was deleted. */
export async function parentOf(caller: ResolvedCredential, job: PublicJob) {
  if (!job.parentId) return null;
  return getVideo(caller, job.parentId).catch((error: unknown) => {
    if (error instanceof TakesError && error.status === 404) return null;
    throw error;
  });
}

/**
 * The remixes and continuations made from `job`, newest first. There is no index by parent yet:
 * the owner's library is read newest first (ids are ULIDs, so every child is newer than its parent)
 * and the walk stops at the parent itself, or after MAX_PAGES pages of a very large library.
 */
export async function childrenOf(caller: ResolvedCredential, job: PublicJob): Promise<PublicJob[]> {
  const children: PublicJob[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await listVideos(caller, { cursor, limit: MAX_PAGE_SIZE });
    for (const candidate of result.jobs) {
      if (candidate.id <= job.id) return children;
      if (candidate.parentId === job.id) children.push(candidate);
    }
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return children;
}
