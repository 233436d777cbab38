import { fail, redirect } from "@sveltejs/kit";
import { resolveCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import { sealSession, SESSION_COOKIE, SESSION_SECONDS } from "$core/session";
import type { Actions, PageServerLoad } from "./$types";

/** Only a path on this site: never another origin ("//evil.example", "https://…"). */
function safeNext(value: string | null): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return "/";
  }
  return value;
}

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.caller) redirect(303, safeNext(url.searchParams.get("next")));
  return { next: safeNext(url.searchParams.get("next")) };
};

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    const form = await request.formData();
    const credential = String(form.get("credential") ?? "").trim();
    const next = safeNext(String(form.get("next") ?? ""));
    if (!credential) {
      return fail(400, { error: "Paste your provider key or access code." });
    }
    try {
      await resolveCredential(credential);
    } catch (error) {
      if (error instanceof TakesError && error.status === 401) {
        const message = credential.startsWith("sk-")
          ? "That does not look like a provider key: it starts with sk- followed by letters, digits, - or _."
          : "That access code is not valid. Check it with whoever gave it to you.";
        return fail(401, { error: message });
      }
      throw error;
    }
    cookies.set(SESSION_COOKIE, sealSession(credential), {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: url.protocol === "https:",
      maxAge: SESSION_SECONDS,
    });
    redirect(303, next);
  },
};
