import { error } from "@sveltejs/kit";
import type { ResolvedCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import type { ListedJob } from "$core/videos/view";
import { MAX_PAGE_SIZE } from "$core/jobs/model";
import { ACTIVE_STATUSES, JOB_STATUSES, type JobStatus } from "$core/jobs/state";
import { getVideo, getVideoCard, listVideos } from "$core/videos";
import type { PolledJobs, PolledMedia } from "$lib/live.svelte";

/** The library's filter tabs: one stored status each, plus "active" (queued, generating, saving). */
export const FILTERS = ["all", "active", "completed", "failed", "expired"] as const;
export type Filter = (typeof FILTERS)[number];

export const PAGE_SIZE = 24;

export function filterOf(value: string | null): Filter {
  return (FILTERS as readonly string[]).includes(value ?? "") ? (value as Filter) : "all";
}

export interface LibraryPage {
  jobs: ListedJob[];
  nextCursor: string | null;
}

/**
 * One page of the owner's library, newest first. "active" spans three statuses, each its own index
 * partition: their newest jobs are merged in one page without a cursor (nobody has more than a
 * hundred jobs generating at once).
 */
export async function libraryPage(
  caller: ResolvedCredential,
  filter: Filter,
  cursor: string | undefined,
): Promise<LibraryPage> {
  try {
    if (filter === "active") {
      const pages = await Promise.all(
        ACTIVE_STATUSES.map((status) => listVideos(caller, { status, limit: MAX_PAGE_SIZE })),
      );
      const jobs = pages
        .flatMap((page) => page.jobs)
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return { jobs, nextCursor: null };
    }
    const status = filter === "all" ? undefined : (filter satisfies JobStatus);
    return await listVideos(caller, { status, cursor, limit: PAGE_SIZE });
  } catch (caught) {
    // A cursor from an old link or typed by hand: start from the newest instead of failing.
    if (caught instanceof TakesError && caught.code === "invalid_cursor") {
      error(400, { code: caught.code, message: caught.message });
    }
    throw caught;
  }
}

/** How the live poll reads one job for each `media` it may ask (src/lib/live.svelte.ts). */
const POLLED_VIEWS: {
  [Media in PolledMedia]: (
    caller: ResolvedCredential,
    ref: { id: string },
  ) => Promise<PolledJobs[Media]>;
} = { card: getVideoCard, all: getVideo };

export const isPolledMedia = (value: string): value is PolledMedia =>
  Object.hasOwn(POLLED_VIEWS, value);

/**
 * The given jobs as they are now, as `media` shows them (cards mint 2 URLs a job, not 5); ids
 * that are gone (deleted) are left out.
 */
export async function jobsNow<Media extends PolledMedia>(
  caller: ResolvedCredential,
  ids: string[],
  media: Media,
): Promise<PolledJobs[Media][]> {
  const view = POLLED_VIEWS[media];
  const found = await Promise.all(
    ids.map((id) =>
      view(caller, { id }).catch((caught: unknown) => {
        if (caught instanceof TakesError && (caught.status === 404 || caught.status === 400)) {
          return undefined;
        }
        throw caught;
      }),
    ),
  );
  return found.filter((job) => job !== undefined);
}

export const isStatus = (value: string): value is JobStatus =>
  (JOB_STATUSES as readonly string[]).includes(value);
