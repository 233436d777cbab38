import { error } from "@sveltejs/kit";
import { TakesError } from "$core/errors";
import type { z } from "zod";
import type { FieldErrors } from "$lib/types";

/**
 * Form errors by field name, plus `form` for what belongs to no one field. TakesErrors from core/
 * come with a code; the codes that concern one field are shown beside it.
 */
export type { FieldErrors } from "$lib/types";

const FIELD_OF_CODE: Record<string, string> = {
  unknown_model: "model",
  unknown_size: "size",
  unknown_seconds: "seconds",
  unknown_provider: "provider",
  invalid_image: "reference",
  image_too_large: "reference",
  reference_unsupported: "reference",
  invalid_reference: "reference",
  invalid_reference_key: "reference",
  reference_conflict: "reference",
  frame_not_ready: "reference",
};

/** Core's request validation reports "prompt: Write a prompt."; the prefix names the field. */
const FIELD_PREFIX = /^(prompt|model|seconds|size|provider|reference|imagePrompt):\s*(.+)$/s;

export function fieldErrorsOf(error: TakesError, fallbackField = "form"): FieldErrors {
  const field = FIELD_OF_CODE[error.code];
  if (field) return { [field]: error.message };
  const prefixed = FIELD_PREFIX.exec(error.message);
  if (prefixed?.[1] && prefixed[2]) return { [prefixed[1]]: prefixed[2] };
  if (error.code.startsWith("provider_") && /prompt/i.test(error.message)) {
    return { prompt: error.message };
  }
  return { [fallbackField]: error.message };
}

/** Every issue of a schema check, one message per field (the first). */
export function fieldErrorsOfZod(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??= issue.message;
  }
  return errors;
}

/** A TakesError's status for `fail()`; anything else is rethrown (a bug → 500 page). */
export function failureStatus(error: unknown): number {
  if (error instanceof TakesError)
    return error.status >= 400 && error.status < 500 ? error.status : 502;
  throw error;
}

/** Runs `work`, turning a TakesError into SvelteKit's error page with the same status and text. */
export async function orErrorPage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (caught) {
    if (caught instanceof TakesError) {
      const status = caught.status === 400 && caught.code === "invalid_id" ? 404 : caught.status;
      error(status, { code: caught.code, message: caught.message });
    }
    throw caught;
  }
}
