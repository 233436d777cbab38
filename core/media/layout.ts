/**
 * The media bucket's layout: every key and prefix Takes stores is built and parsed here, and
 * infra/queues.ts takes the stored-video filter of its S3 notification from here too.
 *
 *   videos/{owner}/{jobId}/video.mp4 | thumbnail.webp | spritesheet.webp | first.png | last.png
 *   references/{owner}/{ulid}.png        a job's own copies of the images it starts or ends on
 *   drafts/{owner}/{ulid}.png            generated reference images, until a job copies one; the
 *                                        bucket's lifecycle expires them (DRAFTS_PREFIX)
 *   incoming/{jobId}/…                   what a provider writes into the bucket itself (Bedrock),
 *                                        until Takes adopts it into the job's folder
 *   shared/{jobId}/video.mp4 | …         copies a share link plays, named without the owner, so
 *                                        a visitor cannot tie one person's shares together
 *
 * One folder per job, so deleting a job deletes one prefix. Owner ids are base64url HMACs and ids
 * ULIDs: no key needs escaping, and the patterns below admit no "..", other prefix or other file.
 * Imports nothing: infra/ loads this file inside SST's program.
 */

/** Everything Takes stores in the media bucket for one job. */
export const MEDIA_VARIANTS = [
  "video",
  "thumbnail",
  "spritesheet",
  "firstFrame",
  "lastFrame",
] as const;
export type MediaVariant = (typeof MEDIA_VARIANTS)[number];

/** An object in the media bucket. */
export interface MediaObject {
  key: string;
  contentType: string;
  bytes: number;
}

/** Each variant's file name in its job's folder, and what it is. */
export const MEDIA_FILES: Readonly<Record<MediaVariant, { file: string; contentType: string }>> = {
  video: { file: "video.mp4", contentType: "video/mp4" },
  thumbnail: { file: "thumbnail.webp", contentType: "image/webp" },
  spritesheet: { file: "spritesheet.webp", contentType: "image/webp" },
  firstFrame: { file: "first.png", contentType: "image/png" },
  lastFrame: { file: "last.png", contentType: "image/png" },
};

const VIDEOS_PREFIX = "videos/";
const REFERENCES_PREFIX = "references/";
/** Providers' own writes into the bucket; anything left here (an abandoned job's) is expired. */
export const INCOMING_PREFIX = "incoming/";

/** The S3 notification filter that matches a job's stored video and nothing else in the bucket. */
export const STORED_VIDEO_FILTER = {
  prefix: VIDEOS_PREFIX,
  suffix: `/${MEDIA_FILES.video.file}`,
} as const;

/** Names a job's folder: its owner and id. */
export interface JobFolderRef {
  owner: string;
  id: string;
}

/** `videos/{owner}/{jobId}/`: everything stored for one job. */
export const jobFolder = (job: JobFolderRef) => `${VIDEOS_PREFIX}${job.owner}/${job.id}/`;

export const mediaKey = (job: JobFolderRef, variant: MediaVariant) =>
  `${jobFolder(job)}${MEDIA_FILES[variant].file}`;

/** Where a provider that writes into Takes' bucket (Bedrock) puts a job's output. */
export const incomingFolder = (jobId: string) => `${INCOMING_PREFIX}${jobId}/`;

const SHARED_PREFIX = "shared/";

/** `shared/{jobId}/`: the copies of a job's media that its share links play. */
export const sharedFolder = (jobId: string) => `${SHARED_PREFIX}${jobId}/`;

/** Where a share link's copy of a job's stored `variant` lives. */
export const sharedKey = (jobId: string, variant: MediaVariant) =>
  `${sharedFolder(jobId)}${MEDIA_FILES[variant].file}`;

/** Generated images no job has used (yet): expired by a lifecycle rule (infra/storage.ts). */
export const DRAFTS_PREFIX = "drafts/";

/** Where a job's own copy of an image it uses is stored; `id` is a fresh ULID. */
export const referenceKey = (owner: string, id: string) => `${REFERENCES_PREFIX}${owner}/${id}.png`;

/** Where a generated reference image of `owner` waits to be used; `id` is a fresh ULID. */
export const draftImageKey = (owner: string, id: string) => `${DRAFTS_PREFIX}${owner}/${id}.png`;

const OWNER = "([A-Za-z0-9_-]{1,100})";
const ULID = "([0-9A-HJKMNP-TV-Z]{26})";
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const STORED_VIDEO_KEY = new RegExp(
  `^${VIDEOS_PREFIX}${OWNER}/${ULID}/${escape(MEDIA_FILES.video.file)}$`,
);
const REFERENCE_KEY = new RegExp(
  `^(?:${REFERENCES_PREFIX}|${DRAFTS_PREFIX})${OWNER}/${ULID}\\.png$`,
);
const FRAME_KEY = new RegExp(
  `^${VIDEOS_PREFIX}${OWNER}/${ULID}/(?:${escape(MEDIA_FILES.firstFrame.file)}|` +
    `${escape(MEDIA_FILES.lastFrame.file)})$`,
);

/** The job a stored video belongs to, from the key in an S3 event; undefined for any other key. */
export function parseVideoKey(key: string): { owner: string; jobId: string } | undefined {
  const match = STORED_VIDEO_KEY.exec(key);
  return match ? { owner: match[1]!, jobId: match[2]! } : undefined;
}

/** What a key usable as a reference image names: a stored reference, or a job's first/last frame. */
export interface ReferenceSource {
  owner: string;
  /** For a frame: the job it was taken from. */
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
