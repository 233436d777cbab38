import { error } from "@sveltejs/kit";
import { checkAddressLimit } from "$core/address-limits";
import { TakesError } from "$core/errors";
import { viewShare } from "$core/shares";
import { visitorAddress } from "$lib/server/client-address";
import type { PageServerLoad } from "./$types";

/**
 * A share link's page: public, no session. Every load is a view — it checks the link and mints
 * URLs of a few minutes — so nothing here may be cached. A revoked or expired link is a 410 page;
 * an unknown or malformed token a 404 that says nothing about why.
 */
export const load: PageServerLoad = async (event) => {
  const { params, setHeaders, url } = event;
  setHeaders({ "cache-control": "no-store" });
  try {
    // Anyone may open a link, so each network may open only so many a minute.
    await checkAddressLimit(visitorAddress(event), "shareViews");
    const video = await viewShare(params.token);
    return { video, pageUrl: `${url.origin}/s/${params.token}` };
  } catch (caught) {
    if (caught instanceof TakesError && caught.status === 429) {
      error(429, { code: caught.code, message: caught.message });
    }
    if (caught instanceof TakesError && caught.status === 410) {
      error(410, { code: "share_gone", message: "This link has expired or was revoked." });
    }
    if (caught instanceof TakesError && (caught.status === 404 || caught.status === 400)) {
      error(404, { code: "not_found", message: "There is nothing at this address." });
    }
    throw caught;
  }
};
