import { redirect } from "@sveltejs/kit";
import { SESSION_COOKIE } from "$core/session";
import type { Actions, PageServerLoad } from "./$types";

// Signing out is a POST (a form in the header): a link could be followed by a prefetch or a
// cross-site page. A GET here just goes home.
export const load: PageServerLoad = () => redirect(303, "/");

export const actions: Actions = {
  default: ({ cookies, url }) => {
    cookies.delete(SESSION_COOKIE, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: url.protocol === "https:",
    });
    redirect(303, "/sign-in");
  },
};
