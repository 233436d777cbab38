/**
 * What the API answers, as zod schemas: the one description of Takes' public shapes, as
 * core/requests.ts is of its requests. The use cases' return types are derived from them, and the
 * OpenAPI document (functions/http/openapi/) is generated from both files. Nothing parses a reply
 * against them at run time: the integration tests check every reply against the document.
 */
import * as z from "zod";
import type { JobError as StoredJobError } from "./jobs/model";
import { JOB_STATUSES } from "./jobs/state";
import { MEDIA_VARIANTS, type MediaVariant } from "./media/layout";
import { ImageInputs, ModelPrice, SoundSupport } from "./providers/model-schemas";
import { CARD_MEDIA, type CardMedia } from "./videos/card-media";

const instant = () => z.iso.datetime();

/** Why a job failed or expired (core/jobs/model.ts): a code for programs, a message for people. */
const JobError = z.object({
  code: z.string(),
  message: z.string(),
}) satisfies z.ZodType<StoredJobError>;

/** The API's error body, for every 4xx and 5xx a handler answers (core/errors.ts). */
export const ApiError = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable, for programs: `invalid_request`, …" }),
      message: z.string().meta({
        description: "For people; starts with the field at fault (`prompt: …`) where there is one.",
      }),
    }),
  })
  .meta({ id: "Error" });

export const PublicMedia = z
  .object({
    url: z.url().meta({ description: "Presigned, short-lived (5 minutes)." }),
    contentType: z.string(),
    bytes: z.int().min(0),
  })
  .meta({ id: "Media" });
export type PublicMedia = z.output<typeof PublicMedia>;

/** A stored file described without a URL, in views that do not show it. */
export const StoredMedia = z
  .object({ contentType: z.string(), bytes: z.int().min(0) })
  .meta({ id: "StoredMedia", description: "Stored; GET /api/videos/{id} gives its URL." });
export type StoredMedia = z.output<typeof StoredMedia>;

const isCardMedia = (variant: MediaVariant): variant is CardMedia =>
  (CARD_MEDIA as readonly MediaVariant[]).includes(variant);

const mediaVariants = Object.fromEntries(
  MEDIA_VARIANTS.map((variant) => [variant, PublicMedia.nullable()]),
) as Record<MediaVariant, z.ZodNullable<typeof PublicMedia>>;

const listedMediaVariants = Object.fromEntries(
  MEDIA_VARIANTS.map((variant) => [
    variant,
    isCardMedia(variant) ? PublicMedia.nullable() : StoredMedia.nullable(),
  ]),
) as {
  [V in MediaVariant]: z.ZodNullable<V extends CardMedia ? typeof PublicMedia : typeof StoredMedia>;
};

/** A job as the HTTP API and the site show it: no owner, keys, credentials or bookkeeping. */
export const PublicJob = z
  .object({
    id: z.string().meta({ description: "A ULID: newer jobs sort after older ones." }),
    status: z.enum(JOB_STATUSES),
    progress: z.number().min(0).max(100).meta({
      description:
        "0-100: as the provider reports it, or estimated from elapsed time where it reports none.",
    }),
    progressEstimated: z.boolean().meta({
      description: "True when `progress` is Takes' estimate (the provider reports none).",
    }),
    queuePosition: z.int().min(0).nullable().meta({
      description: "Where the job waits in the provider's queue, when the provider says.",
    }),
    prompt: z.string(),
    model: z.string(),
    seconds: z.number(),
    size: z.string().meta({ description: "WIDTHxHEIGHT." }),
    provider: z.string(),
    sound: z.boolean().nullable().meta({
      description: "Whether the clip was asked to have sound; null where the model decides.",
    }),
    parentId: z
      .string()
      .nullable()
      .meta({ description: "The job this one remixes or continues from." }),
    createdAt: instant(),
    completedAt: instant()
      .nullable()
      .meta({ description: "When the take landed in Takes' bucket and became playable." }),
    error: JobError.nullable(),
    framesError: JobError.nullable().meta({
      description:
        "Why a completed video has no first or last frame (its file could not be read); null otherwise.",
    }),
    awaitingKey: JobError.nullable().meta({
      description:
        "Set while the job waits because its provider refuses the key it was made with; signing in with the key again resumes it.",
    }),
    cost: z.object({
      estimatedUsd: z.number().nullable().meta({
        description: "At the model's list price, for the length, size and sound asked.",
      }),
      actualUsd: z
        .number()
        .nullable()
        .meta({ description: "What the provider says it charged, once the job is done." }),
      credits: z.number().nullable().meta({
        description:
          "In the provider's own unit, where it bills in one: its estimate, then its actual.",
      }),
    }),
    media: z.object(mediaVariants).meta({ description: "Each stored file, or null." }),
  })
  .meta({ id: "Job" });
export type PublicJob = z.output<typeof PublicJob>;

/** A job in a listing: as GET /api/videos/{id} shows it, with URLs only for what a card shows. */
export const ListedJob = PublicJob.extend({
  media: z.object(listedMediaVariants).meta({
    description:
      "Each stored file, or null. Only the thumbnail and sprite sheet come with a URL; the video and frames are described without one (GET /api/videos/{id} gives their URLs).",
  }),
}).meta({ id: "ListedJob" });
export type ListedJob = z.output<typeof ListedJob>;

/** GET /api/videos: one page of the caller's jobs, newest first. */
export const VideoPage = z.object({
  jobs: z.array(ListedJob),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: "Pass as `cursor` for the next page; null on the last." }),
});
export type VideoPage = z.output<typeof VideoPage>;

export const PublicModel = z
  .object({
    id: z.string().meta({ description: "As requests name it (`model`)." }),
    label: z.string(),
    seconds: z.array(z.int().positive()).meta({ description: "The durations it accepts." }),
    sizes: z.array(z.string()).meta({ description: "The output sizes it delivers, WIDTHxHEIGHT." }),
    images: ImageInputs,
    sound: SoundSupport,
    remix: z.boolean(),
    price: ModelPrice.nullable().meta({ description: "Null where the provider publishes none." }),
    typicalSeconds: z.record(z.string().regex(/^\d+$/), z.number()).meta({
      description: "Seconds a clip of each length usually takes to generate, as declared.",
    }),
  })
  .meta({ id: "Model" });
export type PublicModel = z.output<typeof PublicModel>;

export const PublicProvider = z
  .object({
    name: z.string().meta({ description: "As requests name it (`provider`)." }),
    label: z.string(),
    reportsProgress: z.boolean().meta({
      description: "False where the provider reports no progress: a job's is Takes' estimate.",
    }),
    models: z.array(PublicModel),
    account: z
      .object({ balance: z.string().optional() })
      .optional()
      .meta({ description: "The caller's own account, for a key the provider can describe." }),
  })
  .meta({ id: "Provider" });
export type PublicProvider = z.output<typeof PublicProvider>;

/** GET /api/providers. */
export const ProviderCatalog = z.object({ providers: z.array(PublicProvider) });
export type ProviderCatalog = z.output<typeof ProviderCatalog>;

/** A share link as its owner sees it (the API adds the link's URL: ShareLink). */
export const PublicShare = z.object({
  token: z.string(),
  createdAt: instant(),
  expiresAt: instant(),
  views: z.int().min(0),
  revoked: z.boolean(),
  expired: z.boolean(),
});
export type PublicShare = z.output<typeof PublicShare>;

export const ShareLink = PublicShare.extend({
  url: z.string().meta({
    description: "/s/{token} on the origin the request was sent to (relative without one).",
  }),
}).meta({ id: "Share" });
export type ShareLink = z.output<typeof ShareLink>;

/** POST /api/videos/{id}/shares. */
export const CreatedShare = z.object({ share: ShareLink });
export type CreatedShare = z.output<typeof CreatedShare>;

/** GET /api/videos/{id}/shares: newest first. */
export const ShareList = z.object({ shares: z.array(ShareLink) });
export type ShareList = z.output<typeof ShareList>;

/** A reference image made by an image model, stored at exactly a video size. */
export const ReferenceImage = z
  .object({
    key: z.string().meta({ description: "Pass as `referenceKey` to POST /api/videos." }),
    url: z.url().meta({ description: "Presigned, short-lived." }),
    width: z.int().positive(),
    height: z.int().positive(),
  })
  .meta({ id: "ReferenceImage" });
export type ReferenceImage = z.output<typeof ReferenceImage>;

/** POST /api/images. */
export const GeneratedImage = z.object({ image: ReferenceImage });
export type GeneratedImage = z.output<typeof GeneratedImage>;

/** POST /api/prompts/improve. */
export const ImprovedPrompt = z.object({
  prompt: z.string(),
  notes: z
    .array(z.string())
    .meta({ description: "What the rewrite changed or added, in a few words each." }),
});
export type ImprovedPrompt = z.output<typeof ImprovedPrompt>;

export const HealthCheck = z.object({
  ok: z.boolean(),
  ms: z.int().min(0).meta({ description: "How long the check took." }),
  error: z.string().optional().meta({ description: "The failure's name, never its message." }),
});
export type HealthCheck = z.output<typeof HealthCheck>;

/** GET /api/health. */
export const Health = z
  .object({
    ok: z.boolean(),
    checks: z
      .record(z.string(), HealthCheck)
      .meta({ description: "One per dependency checked, by its name." }),
  })
  .meta({ id: "Health" });
export type Health = z.output<typeof Health>;

/** POST /api/webhooks/{provider}: the delivery was verified and taken. */
export const WebhookReceipt = z.object({ received: z.literal(true) });
export type WebhookReceipt = z.output<typeof WebhookReceipt>;
