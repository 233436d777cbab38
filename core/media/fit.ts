/**
 * Reference images: any picture a person brings, cover-fitted to exactly a video size. sharp (and
 * libvips) loads on the first fit, not with this module: most functions that import it never fit.
 */
import { badRequest, TakesError } from "../errors";

/** The formats a reference image may come in. */
export const ACCEPTED_FORMATS = new Set(["png", "jpeg", "webp"]);

/**
 * A reference image must stay well inside API Gateway's 10 MB and Lambda's 6 MB request limits once
 * base64-encoded, so 4 MiB is the most an upload can carry.
 */
export const MAX_REFERENCE_BYTES = 4 * 1024 * 1024;

/**
 * Images Takes made or stored itself (generated references, extracted frames) never crossed API
 * Gateway, so only memory bounds them: a 1792x1024 PNG is at most ~5.5 MB even uncompressed.
 */
export const MAX_STORED_IMAGE_BYTES = 16 * 1024 * 1024;

/** Bounds decoding work: no real reference is larger than 8K on a side. */
const MAX_INPUT_PIXELS = 8192 * 8192;

export const parseSize = (size: string) => {
  const [width, height] = size.split("x").map(Number);
  return { width: width!, height: height! };
};

/**
 * The reference image as a PNG of exactly `size`: providers reject a reference whose size differs
 * from the video's, so it is cover-fitted (scaled to fill, centre-cropped) rather than sent to fail.
 */
export async function fitReference(
  bytes: Uint8Array,
  size: string,
  { maxBytes = MAX_REFERENCE_BYTES } = {},
): Promise<Uint8Array> {
  if (bytes.byteLength === 0) {
    throw badRequest("invalid_image", "The reference image is empty.", "reference");
  }
  if (bytes.byteLength > maxBytes) {
    throw new TakesError(
      413,
      "image_too_large",
      `The reference image is larger than ${maxBytes / 1024 / 1024} MiB.`,
      { field: "reference" },
    );
  }
  const { default: sharp } = await import("sharp");
  const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" });
  const format = await image
    .metadata()
    .then((metadata) => metadata.format)
    .catch(() => undefined);
  if (!format || !ACCEPTED_FORMATS.has(format)) {
    throw badRequest(
      "invalid_image",
      "The reference must be a PNG, JPEG or WebP image.",
      "reference",
    );
  }
  const { width, height } = parseSize(size);
  try {
    return await image.rotate().resize(width, height, { fit: "cover" }).png().toBuffer();
  } catch {
    throw badRequest("invalid_image", "The reference image could not be decoded.", "reference");
  }
}
