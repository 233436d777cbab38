/**
 * What each use case accepts, as zod schemas: the one description of Takes' requests. The use
 * cases parse their input with these at the door (core/fn.ts), so the API's handlers and the
 * site's form actions hand over what they received and get the same checks and messages back.
 * Messages are written for the person who filled in the field; fn names the field beside them.
 */
import * as z from "zod";
import { isJobId, MAX_PAGE_SIZE } from "./jobs/model";
import { JOB_STATUSES } from "./jobs/state";

/** Prompts past this length are refused, as the provider would refuse them. */
export const MAX_PROMPT_LENGTH = 4000;

/** A share link lasts from an hour to 30 days. */
export const MIN_SHARE_SECONDS = 60 * 60;
export const MAX_SHARE_SECONDS = 30 * 24 * 60 * 60;

/** A prompt as people write it, for a video or for the text model that improves one. */
export const Prompt = z
  .string({ error: "Write a prompt." })
  .trim()
  .min(1, "Write a prompt.")
  .max(MAX_PROMPT_LENGTH, `Keep the prompt under ${MAX_PROMPT_LENGTH} characters.`);

/** A whole number arrives as a JSON number or, from a form or query, a string of digits. */
const wholeNumber = (digits: number, message: string) =>
  z.union(
    [
      z.number({ error: message }),
      z
        .string()
        .regex(new RegExp(`^\\d{1,${digits}}$`), message)
        .transform(Number),
    ],
    { error: message },
  );

/** A job id: 400 `invalid_id` for anything that cannot be one. */
export const VideoId = z
  .string({ error: "That is not a video id." })
  .refine(isJobId, { message: "That is not a video id.", params: { code: "invalid_id" } })
  .meta({ description: "A video's id (a ULID)." });

export const Model = z.string({ error: "Choose a model." }).min(1, "Choose a model.").max(100);

/** A yes/no as JSON's boolean or, from a form, "true"/"false" (or a checkbox's "on"). */
const Flag = z.union([
  z.boolean(),
  z.enum(["true", "on"]).transform(() => true),
  z.literal("false").transform(() => false),
]);

/** A stored image the caller owns: a generated or uploaded reference, or a job's frame. */
const ImageKey = z.string().min(1).max(300);
export const Seconds = wholeNumber(3, "Choose a duration.");
export const Size = z.string({ error: "Choose a size." }).min(1, "Choose a size.").max(20);

/** POST /api/videos: a new generation. */
export const VideoRequest = z.object({
  prompt: Prompt,
  model: Model,
  seconds: Seconds,
  size: Size,
  provider: z
    .string({ error: "Choose a provider." })
    .min(1, "Choose a provider.")
    .max(50)
    .optional()
    .meta({
      description: "Which provider runs it; by default the first of the caller's with the model.",
    }),
  sound: Flag.optional().meta({
    description: "For models whose sound is optional: on by default (it may cost more).",
  }),
  // A job's frame as a key: see frameReferenceKey.
  referenceKey: ImageKey.optional().meta({
    description:
      "A reference image already in the caller's library, instead of an uploaded one, as the " +
      "clip's first frame: a generated image (POST /api/images), an earlier upload, or a frame.",
  }),
  lastFrameKey: ImageKey.optional().meta({
    description: "An image from the caller's library the clip ends on, for models that take one.",
  }),
});
export type VideoRequest = z.output<typeof VideoRequest>;

/** An Idempotency-Key: 1 to 255 printable ASCII characters (Stripe's limit). */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The headers of a request that starts a job: an optional Idempotency-Key, printable ASCII (a
 * UUID, say), under which a retry of the same request answers with the job the first one made.
 */
export const StartHeaders = z.object({
  "idempotency-key": z
    .string()
    .refine((key) => IDEMPOTENCY_KEY.test(key), {
      message: "An Idempotency-Key is 1 to 255 printable ASCII characters.",
      params: { code: "invalid_idempotency_key" },
    })
    .optional()
    .meta({
      description:
        "A key of the client's choosing (a UUID, say), unique per request it means to make once. " +
        "A retry of the same request with the same key, within a day, answers with the job the " +
        "first one made (nothing reserved or started again); while the first is still running, " +
        "the retry waits for it (409 if it runs past the retry's own time). The same key with " +
        "another request is refused (422). Keys are the caller's own.",
    }),
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
  cursor: z.string().max(200).optional(),
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(24),
});
export type ListRequest = z.output<typeof ListRequest>;

/** GET /api/videos/{id}/frames/{first|last}, and a frame as the reference of a new video. */
export const FrameRequest = z.object({ id: VideoId, frame: z.enum(["first", "last"]) });
export type Frame = z.output<typeof FrameRequest>["frame"];

/** POST /api/prompts/improve: the clip the prompt is for, each setting optional. */
export const ImproveRequest = VideoRequest.pick({
  provider: true,
  model: true,
  seconds: true,
  size: true,
  sound: true,
})
  .partial()
  .extend({ prompt: Prompt });
export type ImproveRequest = z.output<typeof ImproveRequest>;

/** POST /api/images: a reference image of exactly one of the video sizes. */
export const ImageRequest = z.object({
  prompt: z
    .string({ error: "Describe the image to generate." })
    .trim()
    .min(1, "Describe the image to generate.")
    .max(MAX_PROMPT_LENGTH, `Keep the description under ${MAX_PROMPT_LENGTH} characters.`),
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
    .unknown()
    // Any value reaches the refinement, for its message; the document says what passes it.
    .meta({
      description: shareExpiry,
      override: {
        anyOf: [
          { type: "integer", minimum: MIN_SHARE_SECONDS, maximum: MAX_SHARE_SECONDS },
          { type: "string", pattern: DIGITS.source },
        ],
      },
    })
    .transform(toSeconds)
    .refine(
      (seconds) =>
        Number.isInteger(seconds) && seconds >= MIN_SHARE_SECONDS && seconds <= MAX_SHARE_SECONDS,
      { message: shareExpiry, params: { code: "invalid_expiry" } },
    ),
});

/** DELETE /api/videos/{id}/shares/{token}. */
export const RevokeShareRequest = z.object({
  id: z.string().meta({ description: "The video's id." }),
  token: z.string().meta({ description: "The link's token: /s/{token}." }),
});
