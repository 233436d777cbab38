import { redirect } from "@sveltejs/kit";
import { endSignedInSession } from "$core/session";
import { clearSessionCookie } from "$lib/server/session-cookie";
import type { Actions, PageServerLoad } from "./$types";

// Signing out is a POST (a form in the header): a link could be followed by a prefetch or a
// cross-site page. A GET here just goes home.
export const load: PageServerLoad = () => redirect(303, "/");

export const actions: Actions = {
  // Ends the session's record too, so a copy of the cookie stops working with it.
  default: async ({ cookies, url, locals }) => {
    if (locals.session) await endSignedInSession(locals.session);
    clearSessionCookie(cookies, url);
    redirect(303, "/sign-in");
  },
};
