import { fail, redirect } from "@sveltejs/kit";
import { TakesError } from "$core/errors";
import { resumeJobsWaitingForKey } from "$core/pipeline/resume";
import { getProvider } from "$core/providers";
import { findModel } from "$core/providers/declarations";
import { MAX_PROMPT_LENGTH } from "$core/requests";
import { getVideo } from "$core/videos";
import { deleteVideo } from "$core/videos/delete";
import { remixVideo } from "$core/videos/remix";
import { failureStatus, orErrorPage } from "$lib/server/errors";
import { childrenOf, parentOf } from "$lib/server/lineage";
import { createShareAction, revokeShareAction, sharesOf } from "$lib/server/shares";
import { callerOf } from "$lib/server/studio";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const caller = callerOf(locals);
  const job = await orErrorPage(getVideo(caller, { id: params.id }));
  const [parent, children] = await Promise.all([parentOf(caller, job), childrenOf(caller, job)]);
  let canRemix = false;
  try {
    const provider = getProvider(job.provider);
    canRemix = Boolean(provider.remix && findModel(provider, job.model)?.remix);
  } catch {
    // A provider this deployment no longer has: its takes stay viewable.
  }
  return {
    job,
    parent,
    children,
    canRemix,
    estimatedCostUsd: job.cost.estimatedUsd,
    maxPromptLength: MAX_PROMPT_LENGTH,
    // Share links (site/src/lib/server/shares.ts): the job's links and the expiry choices.
    ...(await sharesOf(caller, job, url)),
  };
};

export const actions: Actions = {
  /** A new take from this one with a new prompt; goes to it. */
  remix: async ({ locals, params, request }) => {
    const caller = callerOf(locals);
    const prompt = String((await request.formData()).get("prompt") ?? "");
    let id: string;
    try {
      id = (await remixVideo(caller, { id: params.id, prompt })).id;
    } catch (error) {
      // The form has one field, the prompt: whatever went wrong is said beside it.
      const message = (error as TakesError).message;
      return fail(failureStatus(error), { remix: { prompt, error: message } });
    }
    redirect(303, `/videos/${id}`);
  },

  /** Deletes the take and its files, then back to the library. */
  delete: async ({ locals, params }) => {
    const caller = callerOf(locals);
    try {
      await deleteVideo(caller, { id: params.id });
    } catch (error) {
      // Already gone (another tab): the outcome the person asked for.
      if (!(error instanceof TakesError && error.status === 404)) {
        return fail(failureStatus(error), { deleteError: (error as TakesError).message });
      }
    }
    redirect(303, "/?deleted=1");
  },

  /**
   * The provider refused this take's key, and the person says it works again: their takes that
   * wait for it are asked about at once (the key is the one they are signed in with).
   */
  resume: async ({ locals, params }) => {
    await resumeJobsWaitingForKey(callerOf(locals));
    redirect(303, `/videos/${params.id}`);
  },

  /** A share link for the chosen expiry; revoking one (site/src/lib/server/shares.ts). */
  share: createShareAction,
  revokeShare: revokeShareAction,
};
