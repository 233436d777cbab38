import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Resource } from "sst";
import { s3Client } from "../aws";

const bucket = () => Resource.Media.name;

/**
 * Presigned URLs live a few minutes: one signed with a Lambda role's credentials dies with them
 * anyway, whatever expiry it claims (DESIGN.md, Sharing). Pages ask again when they need to.
 */
export const MEDIA_URL_SECONDS = 300;

export function presignGet(key: string, expiresIn = MEDIA_URL_SECONDS): Promise<string> {
  return getSignedUrl(s3Client(), new GetObjectCommand({ Bucket: bucket(), Key: key }), {
    expiresIn,
  });
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
