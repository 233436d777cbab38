import { error } from "@sveltejs/kit";
import { TakesError } from "$core/errors";
import { viewShare } from "$core/shares";
import type { PageServerLoad } from "./$types";

/**
 * A share link's page: public, no session. Every load is a view — it checks the link and mints
 * URLs of a few minutes — so nothing here may be cached. A revoked or expired link is a 410 page;
 * an unknown or malformed token a 404 that says nothing about why.
 */
export const load: PageServerLoad = async ({ params, setHeaders, url }) => {
  setHeaders({ "cache-control": "no-store" });
  try {
    const video = await viewShare(params.token);
    return { video, pageUrl: `${url.origin}/s/${params.token}` };
  } catch (caught) {
    if (caught instanceof TakesError && caught.status === 410) {
      error(410, { code: "share_gone", message: "This link has expired or was revoked." });
    }
    if (caught instanceof TakesError && (caught.status === 404 || caught.status === 400)) {
      error(404, { code: "not_found", message: "There is nothing at this address." });
    }
    throw caught;
  }
};
