import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Resource } from "sst";
import { s3Client } from "./aws";
import type { ResolvedCredential } from "./credentials";
import { badRequest, notFound, TakesError } from "./errors";
import { isJobId } from "./jobs/model";
import { getJobForOwner } from "./jobs/repository";
import { MEDIA_URL_SECONDS } from "./media/storage";

/** "A paper boat, drifting!" → "a-paper-boat-drifting": safe in any file system and header. */
export function fileSlug(text: string, maxLength = 48): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxLength)
    .replace(/-+$/, "");
  return slug || "take";
}

/**
 * A short-lived URL that downloads the caller's finished video as a file (Content-Disposition:
 * attachment), named after its prompt. The player's URL would open it in the browser instead, and
 * a cross-origin link's `download` attribute is ignored.
 */
export async function videoDownloadUrl(caller: ResolvedCredential, id: string): Promise<string> {
  if (!isJobId(id)) throw badRequest("invalid_id", "That is not a video id.");
  const job = await getJobForOwner(caller.ownerId, id);
  if (!job) throw notFound("There is no video with that id.");
  const video = job.media.video;
  if (!video) {
    throw new TakesError(409, "not_completed", "This video is not ready to download.");
  }
  const filename = `takes-${fileSlug(job.prompt)}-${job.id.slice(-6).toLowerCase()}.mp4`;
  return getSignedUrl(
    s3Client(),
    new GetObjectCommand({
      Bucket: Resource.Media.name,
      Key: video.key,
      ResponseContentDisposition: `attachment; filename="${filename}"`,
      ResponseContentType: video.contentType,
    }),
    { expiresIn: MEDIA_URL_SECONDS },
  );
}
