import { fail, redirect } from "@sveltejs/kit";
import type { ResolvedCredential } from "$core/credentials";
import type { TakesError } from "$core/errors";
import type { PublicJob } from "$core/videos/view";
import { createShare, listShares, revokeShare, SHARE_EXPIRY_CHOICES, shareUrl } from "$core/shares";
import type { ShareLink } from "$lib/shares";
import { failureStatus } from "./errors";
import { callerOf } from "./studio";

/** The query parameter that marks the link just made, so the page can point it out. */
export const CREATED_PARAM = "shared";

/** The video page's share links, with their URLs on this origin; the expiry choices. */
export async function sharesOf(caller: ResolvedCredential, job: PublicJob, url: URL) {
  const shares: ShareLink[] =
    job.status === "completed"
      ? (await listShares(caller, { id: job.id })).map((share) => ({
          ...share,
          url: shareUrl(url.origin, share.token),
        }))
      : [];
  return {
    shares,
    shareChoices: SHARE_EXPIRY_CHOICES.map(({ label, seconds }) => ({ label, seconds })),
    /** The token of the link just made (createShareAction redirects with it). */
    createdShare: url.searchParams.get(CREATED_PARAM) ?? "",
  };
}

interface ShareActionEvent {
  locals: App.Locals;
  params: { id: string };
  request: Request;
}

/**
 * Form action: a new link for the chosen expiry. Answers with a redirect (post/redirect/get), so
 * reloading the page shows the link again instead of posting the form, and making, a second one.
 */
export async function createShareAction({ locals, params, request }: ShareActionEvent) {
  const caller = callerOf(locals);
  const expiresIn = (await request.formData()).get("expiresIn");
  let token: string;
  try {
    token = (await createShare(caller, { id: params.id, expiresIn })).token;
  } catch (error) {
    return fail(failureStatus(error), {
      share: { created: "", error: (error as TakesError).message },
    });
  }
  redirect(303, `/videos/${params.id}?${CREATED_PARAM}=${token}#shares`);
}

/** Form action: the link stops working at once. */
export async function revokeShareAction({ locals, params, request }: ShareActionEvent) {
  const caller = callerOf(locals);
  const token = String((await request.formData()).get("token") ?? "");
  try {
    await revokeShare(caller, { id: params.id, token });
  } catch (error) {
    return fail(failureStatus(error), {
      share: { created: "", error: (error as TakesError).message },
    });
  }
  redirect(303, `/videos/${params.id}#shares`);
}
