/**
 * Reference images: the picture a video starts from. They live in the media bucket as stored
 * references (uploads, generated images) or are a job's extracted frame (core/media/layout.ts);
 * a person may reuse any of their own by key.
 */
import type { ResolvedCredential } from "./credentials";
import { badRequest, TakesError } from "./errors";
import { fitReference, MAX_STORED_IMAGE_BYTES } from "./media/fit";
import { parseReferenceKey } from "./media/layout";
import { readMedia } from "./media/storage";

export interface StoredReference {
  /** A PNG of exactly the requested size. */
  png: Uint8Array;
  /** The job whose frame this is, when it is one. */
  continuesJobId?: string;
}

/**
 * The caller's stored reference image, cover-fitted to `size`. A key of another owner answers
 * exactly like a key that does not exist (404), so keys cannot be probed.
 */
export async function readOwnedReference(
  caller: ResolvedCredential,
  key: string,
  size: string,
): Promise<StoredReference> {
  const source = parseReferenceKey(key);
  if (!source) {
    throw badRequest(
      "invalid_reference_key",
      "referenceKey must name a reference image or a video frame from your library.",
      "reference",
    );
  }
  const missing = () =>
    new TakesError(404, "not_found", "There is no reference image with that key.", {
      field: "reference",
    });
  if (source.owner !== caller.ownerId) throw missing();
  const bytes = await readMedia(key, MAX_STORED_IMAGE_BYTES);
  if (!bytes) throw missing();
  const png = await fitReference(bytes, size, { maxBytes: MAX_STORED_IMAGE_BYTES });
  return { png, ...(source.jobId && { continuesJobId: source.jobId }) };
}
