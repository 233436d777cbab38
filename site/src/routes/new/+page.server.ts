import { fail, redirect } from "@sveltejs/kit";
import type { ResolvedCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import { createImage } from "$core/images";
import { isJobId } from "$core/jobs/model";
import type { PublicJob } from "$core/videos/view";
import { improvePrompt } from "$core/prompts";
import {
  createVideo,
  frameReferenceKey,
  getVideo,
  MAX_PROMPT_LENGTH,
  VideoRequest,
} from "$core/videos";
import { defaultValues, frameSources, parseFrame, readValues } from "$lib/server/create";
import { fieldErrorsOf, failureStatus, type FieldErrors } from "$lib/server/errors";
import { callerOf, priceTable, providerOptions } from "$lib/server/studio";
import type { CreateValues } from "$lib/types";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  const caller = callerOf(locals);
  const providers = providerOptions();
  const values = defaultValues(providers);
  const prompt = url.searchParams.get("prompt");
  if (prompt) values.prompt = prompt.slice(0, MAX_PROMPT_LENGTH);

  // "Continue from last frame" / "Use first frame" on a job page: that job's settings and frame.
  const from = url.searchParams.get("from");
  let source: PublicJob | undefined;
  if (from && isJobId(from)) {
    source = await getVideo(caller, from).catch((error: unknown) => {
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
    formKey: url.search,
  };
};

/** Messages for the fields the schema checks, in the words of the form. */
const SCHEMA_MESSAGES: Record<string, string> = {
  model: "Choose a model.",
  seconds: "Choose a duration.",
  size: "Choose a size.",
  provider: "Choose a provider.",
};

function schemaErrors(values: CreateValues): FieldErrors | undefined {
  const parsed = VideoRequest.safeParse(values);
  if (parsed.success) return undefined;
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??=
      field === "prompt" ? issue.message : (SCHEMA_MESSAGES[field] ?? issue.message);
  }
  return errors;
}

/** The reference the form chose, as core/videos takes it: upload bytes or a stored key. */
async function chosenReference(
  caller: ResolvedCredential,
  values: CreateValues,
  file: FormDataEntryValue | null,
): Promise<{ upload?: Uint8Array; referenceKey?: string; error?: string }> {
  switch (values.referenceMode) {
    case "upload":
      if (!(file instanceof File) || file.size === 0) {
        return { error: "Choose an image to upload, or pick another reference option." };
      }
      return { upload: new Uint8Array(await file.arrayBuffer()) };
    case "generate":
      if (!values.generatedKey) {
        return { error: "Generate an image first, or pick another reference option." };
      }
      return { referenceKey: values.generatedKey };
    case "frame": {
      const frame = parseFrame(values.frame);
      if (!frame) return { error: "Pick a frame, or choose another reference option." };
      return { referenceKey: await frameReferenceKey(caller, frame.id, frame.frame) };
    }
    default:
      return {};
  }
}

/** A failed action's reply: the values to refill the form with and what went wrong where. */
const failWith = (status: number, values: CreateValues, errors: FieldErrors) =>
  fail(status, { values, errors });

export const actions: Actions = {
  /** Starts the generation and goes to its page. */
  create: async ({ request, locals }) => {
    const caller = callerOf(locals);
    const form = await request.formData();
    const values = readValues(form, defaultValues(providerOptions()));
    const invalid = schemaErrors(values);
    if (invalid) return failWith(400, values, invalid);

    let job: PublicJob;
    try {
      const { upload, referenceKey, error } = await chosenReference(
        caller,
        values,
        form.get("referenceFile"),
      );
      if (error) return failWith(400, values, { reference: error });
      job = await createVideo(
        caller,
        VideoRequest.parse({ ...values, ...(referenceKey && { referenceKey }) }),
        upload,
      );
    } catch (error) {
      const status = failureStatus(error);
      const takes = error as TakesError;
      // A reference that vanished (a deleted take's frame) or is not extracted yet.
      const field = values.referenceMode !== "none" && takes.status === 404 ? "reference" : "form";
      return failWith(status, values, fieldErrorsOf(takes, field));
    }
    redirect(303, `/videos/${job.id}`);
  },

  /** A suggestion from the text model, shown beside the prompt to accept, edit or discard. */
  improve: async ({ request, locals }) => {
    const caller = callerOf(locals);
    const values = readValues(await request.formData(), defaultValues(providerOptions()));
    if (!values.prompt.trim()) {
      return failWith(400, values, { prompt: "Write a prompt first, then improve it." });
    }
    try {
      const improved = await improvePrompt(caller, {
        prompt: values.prompt,
        model: values.model,
        seconds: values.seconds,
        size: values.size,
      });
      return { values, improved: { original: values.prompt, ...improved } };
    } catch (error) {
      return failWith(failureStatus(error), values, fieldErrorsOf(error as TakesError, "improve"));
    }
  },

  /** Without JavaScript: take the (possibly edited) suggestion as the prompt. */
  accept: async ({ request }) => {
    const form = await request.formData();
    const values = readValues(form, defaultValues(providerOptions()));
    const suggestion = form.get("suggestion");
    if (typeof suggestion === "string" && suggestion.trim()) {
      values.prompt = suggestion.slice(0, MAX_PROMPT_LENGTH);
    }
    return { values };
  },

  /** Without JavaScript: drop the suggestion, keep the prompt as it was. */
  discard: async ({ request }) => {
    return { values: readValues(await request.formData(), defaultValues(providerOptions())) };
  },

  /** A reference image from a prompt, at the chosen video size, stored in the library. */
  image: async ({ request, locals }) => {
    const caller = callerOf(locals);
    const values = readValues(await request.formData(), defaultValues(providerOptions()));
    values.referenceMode = "generate";
    const prompt = values.imagePrompt.trim() || values.prompt.trim();
    if (!prompt) {
      return failWith(400, values, { imagePrompt: "Describe the image to generate." });
    }
    try {
      const { image } = await createImage(caller, { prompt, size: values.size });
      values.imagePrompt = prompt;
      values.generatedKey = image.key;
      values.generatedUrl = image.url;
      return { values, generated: image };
    } catch (error) {
      const takes = error as TakesError;
      const status = failureStatus(error);
      const errors = fieldErrorsOf(takes, "imagePrompt");
      if (errors.prompt) return failWith(status, values, { imagePrompt: errors.prompt });
      return failWith(status, values, errors);
    }
  },
};
