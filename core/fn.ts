/**
 * Validation at the domain's door (after terminal.shop's `fn`): a use case is its input schema
 * plus a handler that only ever sees parsed input. Every caller — the API's handlers, the site's
 * form actions, scripts and tests — goes through the same parse, and the schema stays attached
 * (`.schema`) for documentation. A failed parse is a 400 TakesError naming the first bad field.
 */
import type * as z from "zod/mini";
import { badRequest, type TakesError } from "./errors";

/** The first schema issue as a TakesError a person can act on, with the field it concerns. */
export function invalidInput(error: z.core.$ZodError): TakesError {
  const issue = error.issues[0];
  const field = issue?.path.length ? issue.path.join(".") : undefined;
  // A refinement may name a more specific code (`params: {code}`), e.g. invalid_id.
  const params = issue && "params" in issue ? (issue.params as { code?: unknown }) : undefined;
  const code = typeof params?.code === "string" ? params.code : "invalid_request";
  return badRequest(code, issue?.message ?? "Invalid request.", field);
}

/** `input` parsed by `schema`, or a 400 TakesError naming the field. */
export function parse<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidInput(result.error);
  return result.data;
}

/**
 * A validated use case: `fn(schema, (caller, input, ...rest) => …)` is called as
 * `(caller, rawInput, ...rest)`. The caller (who is acting) is the context, never part of input.
 */
export function fn<S extends z.ZodMiniType, C, R, Rest extends unknown[] = []>(
  schema: S,
  handler: (caller: C, input: z.output<S>, ...rest: Rest) => Promise<R>,
) {
  // Async, so a refused input rejects like any other failure rather than throwing at the call.
  const run = async (caller: C, input: z.input<S>, ...rest: Rest) =>
    handler(caller, parse(schema, input), ...rest);
  return Object.assign(run, { schema });
}
