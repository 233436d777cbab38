import { callerOf } from "$lib/server/studio";
import { filterOf, libraryPage } from "$lib/server/library";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  const filter = filterOf(url.searchParams.get("status"));
  const cursor = url.searchParams.get("cursor") ?? undefined;
  const page = await libraryPage(callerOf(locals), filter, cursor);
  return {
    filter,
    cursor: cursor ?? null,
    ...page,
    deleted: url.searchParams.has("deleted"),
    loadedAt: Date.now(),
  };
};
