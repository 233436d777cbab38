import { fail, redirect } from "@sveltejs/kit";
import { checkAddressLimit } from "$core/address-limits";
import { verifyBroughtKey } from "$core/caller-providers";
import { resolveCredential, type ResolvedCredential } from "$core/credentials";
import { resumeJobsWaitingForKey } from "$core/pipeline/resume";
import { keyedProviders } from "$core/providers/declarations";
import { TakesError } from "$core/errors";
import { endSignedInSession, startSession } from "$core/session";
import { visitorAddress } from "$lib/server/client-address";
import { safeNextPath } from "$lib/server/next-path";
import { setSessionCookie } from "$lib/server/session-cookie";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.caller) redirect(303, safeNextPath(url.searchParams.get("next")));
  return {
    next: safeNextPath(url.searchParams.get("next")),
    // Where "Sign out everywhere" lands (../sign-out/everywhere), to confirm it.
    signedOutEverywhere: url.searchParams.get("signed-out") === "everywhere",
    providers: keyedProviders().map(({ name, label }) => ({ name, label })),
  };
};

export const actions: Actions = {
  default: async (event) => {
    const { request, cookies, url, locals } = event;
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
    let caller: ResolvedCredential;
    try {
      const address = visitorAddress(event);
      await checkAddressLimit(address, "signIn");
      caller = await resolveCredential(credential, { address });
      await verifyBroughtKey(caller);
    } catch (error) {
      if (!(error instanceof TakesError)) throw error;
      if (error.status === 401 && error.code === "unauthorized") {
        const message = key.startsWith("sk-")
          ? "That does not look like a provider key: it starts with sk- followed by letters, digits, - or _."
          : "That access code is not valid. Check it with whoever gave it to you — or, for a provider key Takes does not recognise, choose whose it is.";
        return fail(401, { error: message });
      }
      // A key its provider refused, an access code revoked or past its expiry, or too many
      // attempts from this network: say which.
      return fail(error.status >= 500 ? 503 : error.status, { error: error.message });
    }
    // Signing in again replaces the browser's session: the one it replaces ends, not lingers.
    if (locals.session) await endSignedInSession(locals.session);
    setSessionCookie(cookies, url, await startSession(credential, caller));
    // Showing a key again is how its owner says it works again at the provider.
    await resumeJobsWaitingForKey(caller);
    redirect(303, next);
  },
};
