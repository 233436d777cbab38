import { ulid } from "ulid";
import type { ResolvedCredential } from "./credentials";
import { badRequest, notFound } from "./errors";
import { fitReference, MAX_STORED_IMAGE_BYTES } from "./media/reference";
import { readMedia } from "./media/storage";

/**
 * Reference images: the picture a video starts from. They live in the media bucket as
 * `references/{owner}/{ulid}.png` (uploads, generated images) or are a job's extracted frame
 * `videos/{owner}/{jobId}/first.png|last.png`; a person may reuse any of their own by key.
 */

/** Where a new reference image of `ownerId` is stored. */
export const newReferenceKey = (ownerId: string) => `references/${ownerId}/${ulid()}.png`;

// Owner ids are base64url HMACs, ids ULIDs: the patterns admit nothing else, so no "..", no
// other prefix and no other file can be named.
const OWNER = "([A-Za-z0-9_-]{1,100})";
const ULID = "([0-9A-HJKMNP-TV-Z]{26})";
const REFERENCE_KEY = new RegExp(`^references/${OWNER}/${ULID}\\.png$`);
const FRAME_KEY = new RegExp(`^videos/${OWNER}/${ULID}/(?:first|last)\\.png$`);

export interface ReferenceSource {
  owner: string;
  /** For a frame: the job it was taken from, which the new job continues. */
  jobId?: string;
}

/** What a reference key names, or undefined when it is not a reference key at all. */
export function parseReferenceKey(key: string): ReferenceSource | undefined {
  const reference = REFERENCE_KEY.exec(key);
  if (reference) return { owner: reference[1]! };
  const frame = FRAME_KEY.exec(key);
  if (frame) return { owner: frame[1]!, jobId: frame[2]! };
  return undefined;
}

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
    );
  }
  const missing = () => notFound("There is no reference image with that key.");
  if (source.owner !== caller.ownerId) throw missing();
  const bytes = await readMedia(key, MAX_STORED_IMAGE_BYTES);
  if (!bytes) throw missing();
  const png = await fitReference(bytes, size, { maxBytes: MAX_STORED_IMAGE_BYTES });
  return { png, ...(source.jobId && { continuesJobId: source.jobId }) };
}
