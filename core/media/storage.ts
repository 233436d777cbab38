/**
 * The media bucket through the S3 client: presigned URLs, small objects whole, and large ones
 * streamed in and out without ever being held in memory.
 */
import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Resource } from "sst/resource";
import { s3Client } from "../aws/s3";

const bucket = () => Resource.Media.name;

/**
 * Presigned URLs live a few minutes: one signed with a Lambda role's credentials dies with them
 * anyway, whatever expiry it claims (docs/design.md, Sharing). Pages ask again when they need to.
 */
export const MEDIA_URL_SECONDS = 300;

/** A URL that reads the object at `key` for `expiresIn` seconds. */
export function presignGet(key: string, expiresIn = MEDIA_URL_SECONDS): Promise<string> {
  return getSignedUrl(s3Client(), new GetObjectCommand({ Bucket: bucket(), Key: key }), {
    expiresIn,
  });
}

/**
 * A URL of a few minutes that downloads the object as a file named `filename` (S3 answers with
 * Content-Disposition: attachment), rather than opening it in the browser.
 */
export function presignDownload(key: string, filename: string, contentType: string) {
  return getSignedUrl(
    s3Client(),
    new GetObjectCommand({
      Bucket: bucket(),
      Key: key,
      ResponseContentDisposition: `attachment; filename="${filename}"`,
      ResponseContentType: contentType,
    }),
    { expiresIn: MEDIA_URL_SECONDS },
  );
}

export async function putMedia(key: string, body: Uint8Array, contentType: string) {
  await s3Client().send(
    new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body, ContentType: contentType }),
  );
}

/** Deletes every object under `prefix` (a job's folder), a page of up to 1,000 keys at a time. */
export async function deletePrefix(prefix: string) {
  let token: string | undefined;
  do {
    const page = await s3Client().send(
      new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).flatMap((object) =>
      object.Key ? [{ Key: object.Key }] : [],
    );
    if (keys.length > 0) {
      await s3Client().send(
        new DeleteObjectsCommand({ Bucket: bucket(), Delete: { Objects: keys, Quiet: true } }),
      );
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Copies an object to `key` server-side (S3 copies up to 5 GB without a byte through Takes). */
function copyObject(sourceKey: string, key: string, contentType: string) {
  return s3Client().send(
    new CopyObjectCommand({
      Bucket: bucket(),
      Key: key,
      CopySource: `${bucket()}/${sourceKey.split("/").map(encodeURIComponent).join("/")}`,
      ContentType: contentType,
      MetadataDirective: "REPLACE",
    }),
  );
}

/**
 * Moves an object a provider wrote into the bucket to `key`, server-side, then deletes the
 * original. Returns its size. The copy is whole or absent, as an upload is, and a repeated move
 * finds it done.
 */
export async function adoptObject(sourceKey: string, key: string, contentType: string) {
  try {
    await copyObject(sourceKey, key, contentType);
  } catch (error) {
    // A retry after a crash between the delete below and recording the copy: already moved.
    if (!(error instanceof NoSuchKey && (await mediaExists(key)))) throw error;
  }
  const { ContentLength } = await s3Client().send(
    new HeadObjectCommand({ Bucket: bucket(), Key: key }),
  );
  await s3Client().send(new DeleteObjectCommand({ Bucket: bucket(), Key: sourceKey }));
  return ContentLength ?? 0;
}

/** Makes sure a copy of `sourceKey` is at `key` (copied server-side once; kept after). */
export async function ensureCopy(sourceKey: string, key: string, contentType: string) {
  if (!(await mediaExists(key))) await copyObject(sourceKey, key, contentType);
}

/** Whether an object exists at `key`. */
export async function mediaExists(key: string): Promise<boolean> {
  try {
    await s3Client().send(new HeadObjectCommand({ Bucket: bucket(), Key: key }));
    return true;
  } catch (error) {
    if (error instanceof NotFound) return false;
    throw error;
  }
}

/**
 * The object at `key` whole in memory, or undefined when there is none; for small objects only
 * (images), so anything over `maxBytes` is refused before its body is read.
 */
export async function readMedia(key: string, maxBytes: number): Promise<Uint8Array | undefined> {
  try {
    const { Body, ContentLength } = await s3Client().send(
      new GetObjectCommand({ Bucket: bucket(), Key: key }),
    );
    if (!Body) return undefined;
    if (ContentLength !== undefined && ContentLength > maxBytes) {
      await Body.transformToWebStream().cancel();
      throw new Error(`${key} is ${ContentLength} bytes, over the ${maxBytes} allowed`);
    }
    return await Body.transformToByteArray();
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
}

/** Streams the object at `key` into the file at `path` (never whole in memory). */
export async function downloadMedia(key: string, path: string) {
  const { Body } = await s3Client().send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
  if (!(Body instanceof Readable)) throw new Error(`No body for ${key}`);
  await pipeline(Body, createWriteStream(path));
}

/** S3's minimum part size is 5 MiB; 8 MiB parts keep a 5 GB video well under 10,000 parts. */
export const PART_SIZE = 8 * 1024 * 1024;
/**
 * Parts in flight at once. With the part being filled and a part read ahead (`streamToBucket`),
 * memory stays near (QUEUE_SIZE + 2) × PART_SIZE per file, however large.
 */
export const QUEUE_SIZE = 4;

/** A file arriving over the network, to be stored. */
export interface IncomingFile {
  body: ReadableStream<Uint8Array>;
  /** As declared by the sender: a body of another length fails the upload. */
  contentLength?: number;
}

/** Counts the bytes that pass, and fails the stream if they differ from the declared length. */
function byteCounter(expectedLength: number | undefined) {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.byteLength;
      done(null, chunk);
    },
    flush(done) {
      const short = expectedLength !== undefined && counter.bytes !== expectedLength;
      done(short ? new Error(`Got ${counter.bytes} of ${expectedLength} bytes`) : null);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * Streams a file to `key` as a multipart upload of fixed-size parts, a few at a time, so memory
 * stays flat however large it is; returns the bytes stored. S3 shows the object only once the
 * upload completes, and a failed upload is aborted (its parts dropped), so on any failure (the
 * source's, S3's, or `signal`) there is no object under `key`.
 */
export async function streamToBucket(
  key: string,
  file: IncomingFile,
  contentType: string,
  signal: AbortSignal,
): Promise<number> {
  // lib-storage loads with the first copy: most functions that read the bucket never stream in.
  const { Upload } = await import("@aws-sdk/lib-storage");
  // Up to a part is read ahead while every upload slot is busy, so the download never waits for a
  // slot to free and the next part is ready the moment one does: the two legs overlap.
  const source = Readable.fromWeb(file.body as Parameters<typeof Readable.fromWeb>[0], {
    highWaterMark: PART_SIZE,
  });
  const counted = byteCounter(file.contentLength);
  // A failure on either side destroys both; the upload sees it through `counted` and fails.
  pipeline(source, counted).catch(() => {});
  const upload = new Upload({
    client: s3Client(),
    params: { Bucket: bucket(), Key: key, Body: counted, ContentType: contentType },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  // Stopping is failing the source, not Upload.abort(): that rejects at once and aborts the
  // multipart upload later, in the background, where a returning Lambda would leave it hanging.
  // This way the upload is aborted before done() rejects.
  const stop = () => source.destroy(new Error("The copy was stopped before its lease ran out."));
  signal.addEventListener("abort", stop, { once: true });
  try {
    await upload.done();
    return counted.bytes;
  } finally {
    signal.removeEventListener("abort", stop);
    // Frees the sender's connection when the upload stopped early.
    source.destroy();
  }
}
