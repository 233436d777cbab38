import { error } from "@sveltejs/kit";
import { TakesError } from "$core/errors";
import type { FieldErrors } from "$lib/types";

export type { FieldErrors } from "$lib/types";

/**
 * A form's errors from a TakesError: beside the field it names (core sets `field` where it knows
 * one), else beside `fallbackField` — what the form was doing when it failed ("form" for the
 * form as a whole). `rename` maps core's field names to the form's where they differ.
 */
export function fieldErrorsOf(
  error: TakesError,
  fallbackField = "form",
  rename: Record<string, string> = {},
): FieldErrors {
  const field = error.field ? (rename[error.field] ?? error.field) : fallbackField;
  return { [field]: error.message };
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
