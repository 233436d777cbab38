import { fail, redirect } from "@sveltejs/kit";
import { resolveCredential, verifyBroughtKey } from "$core/credentials";
import { keyedProviders } from "$core/providers";
import { TakesError } from "$core/errors";
import { sealSession, SESSION_COOKIE, SESSION_SECONDS } from "$core/session";
import { safeNextPath } from "$lib/server/next-path";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.caller) redirect(303, safeNextPath(url.searchParams.get("next")));
  return {
    next: safeNextPath(url.searchParams.get("next")),
    providers: keyedProviders().map(({ name, label }) => ({ name, label })),
  };
};

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    const form = await request.formData();
    const key = String(form.get("credential") ?? "").trim();
    // A key whose shape does not tell its provider is named: "runway:<key>" (core/credentials.ts).
    const provider = String(form.get("provider") ?? "");
    const named = keyedProviders().some((candidate) => candidate.name === provider);
    const credential = named && key ? `${provider}:${key}` : key;
    const next = safeNextPath(String(form.get("next") ?? ""));
    if (!credential) {
      return fail(400, { error: "Paste your provider key or access code." });
    }
    try {
      await verifyBroughtKey(await resolveCredential(credential));
    } catch (error) {
      if (!(error instanceof TakesError)) throw error;
      if (error.status === 401 && error.code === "unauthorized") {
        const message = key.startsWith("sk-")
          ? "That does not look like a provider key: it starts with sk- followed by letters, digits, - or _."
          : "That access code is not valid. Check it with whoever gave it to you — or, for a provider key Takes does not recognise, choose whose it is.";
        return fail(401, { error: message });
      }
      // A key its provider refused, or an access code revoked or past its expiry: say which.
      return fail(error.status >= 500 ? 503 : error.status, { error: error.message });
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
