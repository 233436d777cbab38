/**
 * What each use case accepts, as zod schemas: the one description of Takes' requests. The use
 * cases parse their input with these at the door (core/fn.ts), so the API's handlers and the
 * site's form actions hand over what they received and get the same checks and messages back.
 * Messages are written for the person who filled in the field; fn names the field beside them.
 */
import * as z from "zod/mini";
import { en } from "zod/locales";
import { isJobId, MAX_PAGE_SIZE } from "./jobs/model";
import { JOB_STATUSES } from "./jobs/state";

// zod/mini (not zod's classic API, which carries its JSON Schema code along) keeps every Lambda's
// cold start small; its default messages need a locale, English as the classic API has.
z.config(en());

/** Prompts past this length are refused, as the provider would refuse them. */
export const MAX_PROMPT_LENGTH = 4000;

/** A share link lasts from an hour to 30 days. */
export const MIN_SHARE_SECONDS = 60 * 60;
export const MAX_SHARE_SECONDS = 30 * 24 * 60 * 60;

/** A prompt as people write it, for a video or for the text model that improves one. */
export const Prompt = z
  .string({ error: "Write a prompt." })
  .check(
    z.trim(),
    z.minLength(1, "Write a prompt."),
    z.maxLength(MAX_PROMPT_LENGTH, `Keep the prompt under ${MAX_PROMPT_LENGTH} characters.`),
  );

/** A whole number arrives as a JSON number or, from a form or query, a string of digits. */
const wholeNumber = (digits: number, message: string) =>
  z.union(
    [
      z.number({ error: message }),
      z.pipe(
        z.string().check(z.regex(new RegExp(`^\\d{1,${digits}}$`), message)),
        z.transform(Number),
      ),
    ],
    { error: message },
  );

/** A job id: 400 `invalid_id` for anything that cannot be one. */
export const VideoId = z
  .string({ error: "That is not a video id." })
  .check(
    z.refine(isJobId, { message: "That is not a video id.", params: { code: "invalid_id" } }),
    z.meta({ description: "A video's id (a ULID)." }),
  );

export const Model = z
  .string({ error: "Choose a model." })
  .check(z.minLength(1, "Choose a model."), z.maxLength(100));

/** A yes/no as JSON's boolean or, from a form, "true"/"false" (or a checkbox's "on"). */
const Flag = z.union([
  z.boolean(),
  z.pipe(
    z.enum(["true", "on"]),
    z.transform(() => true),
  ),
  z.pipe(
    z.literal("false"),
    z.transform(() => false),
  ),
]);

/** A stored image the caller owns: a generated or uploaded reference, or a job's frame. */
const ImageKey = z.string().check(z.minLength(1), z.maxLength(300));
export const Seconds = wholeNumber(3, "Choose a duration.");
export const Size = z
  .string({ error: "Choose a size." })
  .check(z.minLength(1, "Choose a size."), z.maxLength(20));

/** `schema` optional, described in the OpenAPI document. */
const optional = <S extends z.core.SomeType>(schema: S, description: string) =>
  z.optional(schema).check(z.meta({ description }));

/** POST /api/videos: a new generation. */
export const VideoRequest = z.object({
  prompt: Prompt,
  model: Model,
  seconds: Seconds,
  size: Size,
  provider: optional(
    z
      .string({ error: "Choose a provider." })
      .check(z.minLength(1, "Choose a provider."), z.maxLength(50)),
    "Which provider runs it; by default the first of the caller's with the model.",
  ),
  sound: optional(Flag, "For models whose sound is optional: on by default (it may cost more)."),
  // A job's frame as a key: see frameReferenceKey.
  referenceKey: optional(
    ImageKey,
    "A reference image already in the caller's library, instead of an uploaded one, as the " +
      "clip's first frame: a generated image (POST /api/images), an earlier upload, or a frame.",
  ),
  lastFrameKey: optional(
    ImageKey,
    "An image from the caller's library the clip ends on, for models that take one.",
  ),
});
export type VideoRequest = z.output<typeof VideoRequest>;

/** An Idempotency-Key: 1 to 255 printable ASCII characters (Stripe's limit). */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The headers of a request that starts a job: an optional Idempotency-Key, printable ASCII (a
 * UUID, say), under which a retry of the same request answers with the job the first one made.
 */
export const StartHeaders = z.object({
  "idempotency-key": optional(
    z.string().check(
      z.refine((key) => IDEMPOTENCY_KEY.test(key), {
        message: "An Idempotency-Key is 1 to 255 printable ASCII characters.",
        params: { code: "invalid_idempotency_key" },
      }),
    ),
    "A key of the client's choosing (a UUID, say), unique per request it means to make once. " +
      "A retry of the same request with the same key, within a day, answers with the job the " +
      "first one made (nothing reserved or started again); while the first is still running, " +
      "the retry waits for it (409 if it runs past the retry's own time). The same key with " +
      "another request is refused (422). Keys are the caller's own.",
  ),
});

/** One of the caller's videos, by id. */
export const VideoRef = z.object({ id: VideoId });

/** POST /api/videos/{id}/remix. */
export const RemixRequest = z.object({
  id: VideoId,
  prompt: Prompt,
});

/** GET /api/videos. */
export const ListRequest = z.object({
  cursor: z.optional(z.string().check(z.maxLength(200))),
  status: z.optional(z.enum(JOB_STATUSES)),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PAGE_SIZE)), 24),
});
export type ListRequest = z.output<typeof ListRequest>;

/** GET /api/videos/{id}/frames/{first|last}, and a frame as the reference of a new video. */
export const FrameRequest = z.object({ id: VideoId, frame: z.enum(["first", "last"]) });
export type Frame = z.output<typeof FrameRequest>["frame"];

/** POST /api/prompts/improve: the clip the prompt is for, each setting optional. */
export const ImproveRequest = z.extend(
  z.partial(
    z.pick(VideoRequest, { provider: true, model: true, seconds: true, size: true, sound: true }),
  ),
  { prompt: Prompt },
);
export type ImproveRequest = z.output<typeof ImproveRequest>;

/** POST /api/images: a reference image of exactly one of the video sizes. */
export const ImageRequest = z.object({
  prompt: z
    .string({ error: "Describe the image to generate." })
    .check(
      z.trim(),
      z.minLength(1, "Describe the image to generate."),
      z.maxLength(MAX_PROMPT_LENGTH, `Keep the description under ${MAX_PROMPT_LENGTH} characters.`),
    ),
  size: Size,
});
export type ImageRequest = z.output<typeof ImageRequest>;

const shareExpiry =
  `A link lasts from ${MIN_SHARE_SECONDS} s (1 hour) to ${MAX_SHARE_SECONDS} s (30 days), ` +
  "in whole seconds.";

const DIGITS = /^\d{1,9}$/;

/** Seconds as a JSON number or, from a form, a string of digits; anything else is no expiry. */
const toSeconds = (value: unknown) =>
  typeof value === "number"
    ? value
    : typeof value === "string" && DIGITS.test(value)
      ? Number(value)
      : NaN;

/** POST /api/videos/{id}/shares. */
export const ShareRequest = z.object({
  id: VideoId,
  expiresIn: z
    .pipe(
      // Any value reaches the refinement, for its message; the document says what passes it.
      z.unknown().check(
        z.meta({
          description: shareExpiry,
          override: {
            anyOf: [
              { type: "integer", minimum: MIN_SHARE_SECONDS, maximum: MAX_SHARE_SECONDS },
              { type: "string", pattern: DIGITS.source },
            ],
          },
        }),
      ),
      z.transform(toSeconds),
    )
    .check(
      z.refine(
        (seconds) =>
          Number.isInteger(seconds) && seconds >= MIN_SHARE_SECONDS && seconds <= MAX_SHARE_SECONDS,
        { message: shareExpiry, params: { code: "invalid_expiry" } },
      ),
    ),
});

/** DELETE /api/videos/{id}/shares/{token}. */
export const RevokeShareRequest = z.object({
  id: z.string().check(z.meta({ description: "The video's id." })),
  token: z.string().check(z.meta({ description: "The link's token: /s/{token}." })),
});
