/**
 * What an image is, told from its first bytes rather than from what its sender says: Takes serves
 * stored images from its bucket with the type stored beside them, so a provider that labels a
 * document `image/svg+xml` (scripts and all) must never choose it.
 */

/** The raster types Takes stores and serves. */
export type StoredImageType = "image/png" | "image/jpeg" | "image/webp" | "image/gif";

/** Enough bytes to tell the types below apart (WebP's signature ends at byte 12). */
export const IMAGE_SIGNATURE_BYTES = 12;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  signature.every((byte, index) => bytes[at + index] === byte);

/** The image type of `head` (an image's first bytes), or undefined for anything else. */
export function imageTypeOf(head: Uint8Array): StoredImageType | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "image/jpeg";
  // "RIFF", a 4-byte size, "WEBP".
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x57, 0x45, 0x42, 0x50], 8)) {
    return "image/webp";
  }
  if (startsWith(head, [0x47, 0x49, 0x46, 0x38])) return "image/gif";
  return undefined;
}

/**
 * Reads the first `bytes` of a stream without losing them: returns them, and a stream that yields
 * the whole content from its first byte, still pulled on demand.
 */
export async function peek(
  body: ReadableStream<Uint8Array>,
  bytes: number,
): Promise<{ head: Uint8Array; body: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const head = Buffer.concat(chunks);
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { head, body: whole };
}
