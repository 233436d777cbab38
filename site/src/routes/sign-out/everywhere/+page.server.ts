import { redirect } from "@sveltejs/kit";
import { endSessionsOf } from "$core/session-store";
import { clearSessionCookie } from "$lib/server/session-cookie";
import type { Actions, PageServerLoad } from "./$types";

// A POST, like signing out (../+page.server.ts); a GET just goes home.
export const load: PageServerLoad = () => redirect(303, "/");

export const actions: Actions = {
  // Ends every session of this key or code, on every device: for a cookie that may have been
  // copied, or a device left signed in.
  default: async ({ cookies, url, locals }) => {
    if (locals.caller) await endSessionsOf(locals.caller.ownerId);
    clearSessionCookie(cookies, url);
    redirect(303, "/sign-in?signed-out=everywhere");
  },
};
