import { ulid } from "ulid";
import { TakesError } from "./errors";
import { fn } from "./fn";
import { log } from "./log";
import { fitReference, MAX_STORED_IMAGE_BYTES, parseSize } from "./media/fit";
import { draftImageKey } from "./media/layout";
import { presignGet, putMedia } from "./media/storage";
import { checkClipSettings } from "./caller-providers";
import type { ResolvedCredential } from "./credentials";
import { toolFor, whileWaiting } from "./tools";
import { withToolUse } from "./tool-budget";
import { checkRateLimit } from "./rate-limit";
import { ImageRequest } from "./requests";
import type { GeneratedImage } from "./responses";

/**
 * Reference images made by an image model (core/tools.ts says whose), stored at exactly a video
 * size so a video can start from them (POST /api/videos with `referenceKey`).
 */

/** The generated PNG, checked: a gateway may answer with another size or format than asked. */
async function exactly(image: Buffer, size: string): Promise<Uint8Array> {
  // Loaded on first use, as core/media/fit.ts does: the image model answers seconds later anyway.
  const { default: sharp } = await import("sharp");
  const { width, height, format } = await sharp(image)
    .metadata()
    .catch(() => ({ width: 0, height: 0, format: undefined }));
  if (`${width}x${height}` !== size || format !== "png") {
    log.warn("image model answered another size or format; fitting it", {
      asked: size,
      got: `${width}x${height} ${format}`,
    });
  }
  // Re-encoded either way: a fresh PNG carries no metadata the model's reply may have had.
  return fitReference(image, size, { maxBytes: MAX_STORED_IMAGE_BYTES }).catch((error: unknown) => {
    if (error instanceof TakesError) {
      throw new TakesError(
        502,
        "provider_bad_image",
        "The image model returned an unusable image.",
      );
    }
    throw error;
  });
}

/**
 * A reference image from a prompt, stored in the caller's library at one of the video sizes. An
 * access code pays one image's tool uses, given back unless the image is stored.
 */
export const createImage = fn(
  ImageRequest,
  async (caller: ResolvedCredential, request): Promise<GeneratedImage> => {
    checkClipSettings(caller, { size: request.size });
    const { provider, credential, model } = toolFor(caller, "image");
    await checkRateLimit(caller.ownerId, "images");
    const key = await withToolUse(caller, "image", async () => {
      const drawn = await whileWaiting("image", (signal) =>
        provider.drawImage!(credential, {
          prompt: request.prompt,
          size: request.size,
          model,
          signal,
        }),
      );
      if (drawn.byteLength === 0) {
        throw new TakesError(
          502,
          "provider_empty_reply",
          "The image model returned no image; try again.",
        );
      }
      const png = await exactly(Buffer.from(drawn), request.size);
      const stored = draftImageKey(caller.ownerId, ulid());
      await putMedia(stored, png, "image/png");
      return stored;
    });
    const { width, height } = parseSize(request.size);
    return { image: { key, url: await presignGet(key), width, height } };
  },
);
