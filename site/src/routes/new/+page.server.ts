import { randomUUID } from "node:crypto";
import { fail, redirect } from "@sveltejs/kit";
import type { ResolvedCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import { createImage } from "$core/images";
import { isJobId } from "$core/jobs/model";
import type { PublicJob } from "$core/videos/view";
import { improvePrompt } from "$core/prompts";
import { MAX_PROMPT_LENGTH } from "$core/requests";
import { codeAllowance } from "$core/tool-budget";
import { frameReferenceKey, getVideo } from "$core/videos";
import { createVideo } from "$core/videos/create";
import { defaultValues, frameSources, parseFrame, readValues } from "$lib/server/create";
import { fieldErrorsOf, failureStatus, type FieldErrors } from "$lib/server/errors";
import { providerCatalogWithAccounts } from "$core/catalog";
import { callerOf, priceTable, providerOptions } from "$lib/server/studio";
import type { CreateValues } from "$lib/types";
import type { Actions, PageServerLoad } from "./$types";

/** What an access code has left (video seconds, tool uses); null for a brought key. */
const allowanceOf = async (caller: ResolvedCredential) => (await codeAllowance(caller)) ?? null;

export const load: PageServerLoad = async ({ locals, url }) => {
  const caller = callerOf(locals);
  const { providers } = await providerCatalogWithAccounts(caller);
  const values = defaultValues(providers);
  const prompt = url.searchParams.get("prompt");
  if (prompt) values.prompt = prompt.slice(0, MAX_PROMPT_LENGTH);

  // "Continue from last frame" / "Use first frame" on a job page: that job's settings and frame.
  const from = url.searchParams.get("from");
  let source: PublicJob | undefined;
  if (from && isJobId(from)) {
    source = await getVideo(caller, { id: from }).catch((error: unknown) => {
      if (error instanceof TakesError && error.status === 404) return undefined;
      throw error;
    });
  }
  // ?frame=last continues the take, first restages its opening, none only reuses its settings.
  const frameParam = url.searchParams.get("frame");
  const frame = frameParam === "first" ? "first" : frameParam === "none" ? null : "last";
  if (source) {
    values.provider = source.provider;
    values.model = source.model;
    values.seconds = source.seconds;
    values.size = source.size;
    if (source.sound !== null) values.sound = source.sound;
    if (!prompt) values.prompt = source.prompt;
    if (frame) {
      values.referenceMode = "frame";
      values.frame = `${source.id}:${frame}`;
    }
  }

  return {
    providers,
    prices: priceTable(providers),
    values,
    frames: await frameSources(caller, source),
    continuing: source ? { id: source.id, frame, prompt: source.prompt } : null,
    maxPromptLength: MAX_PROMPT_LENGTH,
    // The create form's Idempotency-Key: a double submit, or a resubmit, makes one video.
    createKey: randomUUID(),
    allowance: await allowanceOf(caller),
    formKey: url.search,
  };
};

/** A reference the form could not resolve: shown beside the reference picker. */
const referenceError = (message: string) =>
  new TakesError(400, "invalid_reference", message, { field: "reference" });

/**
 * The reference the form chose, as createVideo takes it: upload bytes or a stored key. Whatever
 * goes wrong here concerns the reference picker, so errors are placed there.
 */
async function chosenReference(
  caller: ResolvedCredential,
  values: CreateValues,
  file: FormDataEntryValue | null,
): Promise<{ upload?: Uint8Array; referenceKey?: string }> {
  switch (values.referenceMode) {
    case "upload":
      if (!(file instanceof File) || file.size === 0) {
        throw referenceError("Choose an image to upload, or pick another reference option.");
      }
      return { upload: new Uint8Array(await file.arrayBuffer()) };
    case "generate":
      if (!values.generatedKey) {
        throw referenceError("Generate an image first, or pick another reference option.");
      }
      return { referenceKey: values.generatedKey };
    case "frame": {
      const frame = parseFrame(values.frame);
      if (!frame) throw referenceError("Pick a frame, or choose another reference option.");
      // A frame that vanished (its take was deleted) or is not extracted yet.
      const referenceKey = await frameReferenceKey(caller, frame).catch((error: unknown) => {
        if (!(error instanceof TakesError)) throw error;
        throw new TakesError(error.status, error.code, error.message, { field: "reference" });
      });
      return { referenceKey };
    }
    default:
      return {};
  }
}

/**
 * A failed action's reply: the values to refill the form with, what went wrong where, and what
 * the access code has left (a refusal may be that nothing is).
 */
const failWith = async (
  caller: ResolvedCredential,
  status: number,
  values: CreateValues,
  errors: FieldErrors,
) => fail(status, { values, errors, allowance: await allowanceOf(caller) });

export const actions: Actions = {
  /** Starts the generation and goes to its page. */
  create: async ({ request, locals }) => {
    const caller = callerOf(locals);
    const form = await request.formData();
    const values = readValues(form, defaultValues(providerOptions(caller)));
    let job: PublicJob;
    try {
      const { upload, referenceKey } = await chosenReference(
        caller,
        values,
        form.get("referenceFile"),
      );
      const { prompt, provider, model, seconds, size, sound } = values;
      const createKey = form.get("createKey");
      job = await createVideo(
        caller,
        { prompt, provider, model, seconds, size, sound, referenceKey },
        { firstFrame: upload },
        { idempotencyKey: typeof createKey === "string" && createKey ? createKey : undefined },
      );
    } catch (error) {
      return failWith(caller, failureStatus(error), values, fieldErrorsOf(error as TakesError));
    }
    redirect(303, `/videos/${job.id}`);
  },

  /** A suggestion from the text model, shown beside the prompt to accept, edit or discard. */
  improve: async ({ request, locals }) => {
    const caller = callerOf(locals);
    const values = readValues(await request.formData(), defaultValues(providerOptions(caller)));
    try {
      const { prompt, provider, model, seconds, size, sound } = values;
      const improved = await improvePrompt(caller, {
        prompt,
        provider,
        model,
        seconds,
        size,
        sound,
      });
      const allowance = await allowanceOf(caller);
      return { values, improved: { original: values.prompt, ...improved }, allowance };
    } catch (error) {
      const errors = fieldErrorsOf(error as TakesError, "improve");
      return failWith(caller, failureStatus(error), values, errors);
    }
  },

  /** Without JavaScript: take the (possibly edited) suggestion as the prompt. */
  accept: async ({ request, locals }) => {
    const form = await request.formData();
    const values = readValues(form, defaultValues(providerOptions(callerOf(locals))));
    const suggestion = form.get("suggestion");
    if (typeof suggestion === "string" && suggestion.trim()) {
      values.prompt = suggestion.slice(0, MAX_PROMPT_LENGTH);
    }
    return { values };
  },

  /** Without JavaScript: drop the suggestion, keep the prompt as it was. */
  discard: async ({ request, locals }) => {
    const defaults = defaultValues(providerOptions(callerOf(locals)));
    return { values: readValues(await request.formData(), defaults) };
  },

  /** A reference image from a prompt, at the chosen video size, stored in the library. */
  image: async ({ request, locals }) => {
    const caller = callerOf(locals);
    const values = readValues(await request.formData(), defaultValues(providerOptions(caller)));
    values.referenceMode = "generate";
    // The image's description, or else the video's prompt: the form's imagePrompt field either way.
    const prompt = values.imagePrompt.trim() || values.prompt.trim();
    try {
      const { image } = await createImage(caller, { prompt, size: values.size });
      values.imagePrompt = prompt;
      values.generatedKey = image.key;
      values.generatedUrl = image.url;
      return { values, generated: image, allowance: await allowanceOf(caller) };
    } catch (error) {
      const errors = fieldErrorsOf(error as TakesError, "imagePrompt", { prompt: "imagePrompt" });
      return failWith(caller, failureStatus(error), values, errors);
    }
  },
};
