import type { MediaVariant } from "../media/layout";

/**
 * What a library card shows — the thumbnail, and the sprite sheet it scrubs through on hover — and
 * so the only files a listing presigns URLs for (core/responses.ts ListedJob, ./view.ts listedJob).
 * Its own module, free of zod, so the handlers that show jobs load no schema for it.
 */
export const CARD_MEDIA = ["thumbnail", "spritesheet"] as const satisfies readonly MediaVariant[];
export type CardMedia = (typeof CARD_MEDIA)[number];
