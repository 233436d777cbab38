import { error, json } from "@sveltejs/kit";
import { isJobId } from "$core/jobs/model";
import { filterOf, isPolledMedia, jobsNow, libraryPage } from "$lib/server/library";
import { callerOf } from "$lib/server/studio";
import type { RequestHandler } from "./$types";

/** How many jobs one progress poll may ask about. */
const MAX_IDS = 50;

/**
 * The library's data for the browser, with the session cookie: `?ids=a,b` → those jobs as they are
 * now (the live progress poll: one request however many jobs are running), as cards (URLs for the
 * thumbnail and sprite sheet only), or with every file's URL given `&media=all` (the job page,
 * whose stage plays the video once it completes); else a page of the library (`?status=&cursor=`,
 * for "Load more").
 */
export const GET: RequestHandler = async ({ locals, url }) => {
  const caller = callerOf(locals);
  const ids = url.searchParams.get("ids");
  if (ids !== null) {
    const wanted = [...new Set(ids.split(",").filter(Boolean))];
    if (wanted.length > MAX_IDS || !wanted.every(isJobId)) {
      error(400, { code: "invalid_ids", message: `Ask for up to ${MAX_IDS} video ids.` });
    }
    const media = url.searchParams.get("media") ?? "card";
    if (!isPolledMedia(media)) {
      error(400, { code: "invalid_media", message: "Ask for media=card or media=all." });
    }
    return json(
      { jobs: await jobsNow(caller, wanted, media) },
      { headers: { "cache-control": "no-store" } },
    );
  }
  const page = await libraryPage(
    caller,
    filterOf(url.searchParams.get("status")),
    url.searchParams.get("cursor") ?? undefined,
  );
  return json(page, { headers: { "cache-control": "no-store" } });
};
