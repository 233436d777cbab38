import * as z from "zod";

/**
 * The schemas of what providers declare per model that the API shows (core/responses.ts), apart
 * from core/providers/contract.ts so that a handler reading declarations (the catalog, say) does
 * not load zod: contract.ts imports only their types.
 */

/**
 * A model's list price, as declared and as GET /api/providers shows it; `source` and `checked`
 * make a stale price easy to spot.
 */
export const ModelPrice = z
  .object({
    perSecond: z
      .array(
        z.object({
          usd: z.number(),
          sizes: z.array(z.string()).readonly().optional(),
          sound: z.boolean().optional(),
        }),
      )
      .readonly(),
    source: z.string(),
    checked: z.iso.date().meta({ description: "The day the figure was read." }),
  })
  .meta({
    id: "ModelPrice",
    description:
      "USD per second of output: the first rule whose sizes and sound match applies " +
      "(a rule that names neither applies to everything); where the figure comes from, and when.",
  });
export type ModelPrice = z.output<typeof ModelPrice>;

/** The images a model can start from or steer towards. */
export const ImageInputs = z.object({
  firstFrame: z.boolean().meta({ description: "A reference image as the clip's first frame." }),
  lastFrame: z
    .boolean()
    .meta({ description: "An image the clip ends on (with or without a first frame)." }),
});
export type ImageInputs = z.output<typeof ImageInputs>;

export const SoundSupport = z.enum(["always", "optional", "never"]).meta({
  description: "Whether the clips have a soundtrack: always, never, or as the request asks.",
});
export type SoundSupport = z.output<typeof SoundSupport>;
