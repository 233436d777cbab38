// Streaming a provider download into S3 (fauxqs): memory stays flat whatever the size, and an
// interrupted copy leaves nothing behind, neither an object nor an unfinished multipart upload.
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import type { UploadPartCommandInput } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "#core/aws";
import { PART_SIZE, QUEUE_SIZE, streamToBucket } from "#core/media/storage";
import { startLinkedResources, type LinkedResources } from "#local/link";

const BUCKET = "media";
const MiB = 1024 * 1024;
const CHUNK = MiB;

let aws: LinkedResources;
/** Bytes of parts S3 has acknowledged so far, counted by a middleware on the app's S3 client. */
let bytesAcknowledged = 0;

beforeAll(async () => {
  aws = await startLinkedResources({ tables: false });
  s3Client().middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "UploadPartCommand") {
        bytesAcknowledged += ((args.input as UploadPartCommandInput).Body as Buffer).byteLength;
      }
      return result;
    },
    { step: "initialize", name: "countAcknowledgedParts" },
  );
});
afterAll(() => aws?.stop());

/**
 * A download of `total` deterministic bytes that are only produced when pulled, and that records
 * how far it ever ran ahead of what S3 had acknowledged: the bytes held in memory at worst.
 */
function download(total: number, options: { failAfter?: number } = {}) {
  let produced = 0;
  const stats = { maxAhead: 0, sha256: createHash("sha256") };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (options.failAfter !== undefined && produced >= options.failAfter) {
          controller.error(new Error("connection reset by the provider"));
          return;
        }
        if (produced >= total) return controller.close();
        const chunk = Buffer.alloc(Math.min(CHUNK, total - produced), produced / CHUNK);
        produced += chunk.byteLength;
        stats.sha256.update(chunk);
        stats.maxAhead = Math.max(stats.maxAhead, produced - bytesAcknowledged);
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { content: { body, contentType: "video/mp4", contentLength: total }, stats };
}

describe("streamToBucket", () => {
  it("leaves neither an object nor an unfinished upload when the download breaks off", async () => {
    const { content } = download(64 * MiB, { failAfter: 3 * PART_SIZE + MiB });
    const key = "videos/owner/broken/video.mp4";
    await expect(
      streamToBucket(key, content, "video/mp4", new AbortController().signal),
    ).rejects.toThrow();
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })),
    ).rejects.toThrow();
    // fauxqs refuses to delete a bucket holding objects or multipart uploads in progress.
    await aws.s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));
    await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  it("stops and leaves nothing when told to (the copy lease is running out)", async () => {
    const { content } = download(64 * MiB);
    const key = "videos/owner/aborted/video.mp4";
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    await expect(streamToBucket(key, content, "video/mp4", stop.signal)).rejects.toThrow();
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })),
    ).rejects.toThrow();
    await aws.s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));
    await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  it("refuses a download shorter than it said it would be", async () => {
    const { content } = download(3 * MiB);
    const key = "videos/owner/short/video.mp4";
    await expect(
      streamToBucket(
        key,
        { ...content, contentLength: 4 * MiB },
        "video/mp4",
        new AbortController().signal,
      ),
    ).rejects.toThrow(/of 4194304 bytes/);
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })),
    ).rejects.toThrow();
  });

  it("copies a large file whole while holding only a few parts in memory", async () => {
    const total = 12 * PART_SIZE + 123_457;
    const { content, stats } = download(total);
    const key = "videos/owner/large/video.mp4";
    const bytes = await streamToBucket(key, content, "video/mp4", new AbortController().signal);
    expect(bytes).toBe(total);

    const stored = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(stored.ContentType).toBe("video/mp4");
    expect(stored.ContentLength).toBe(total);
    const storedHash = createHash("sha256");
    for await (const chunk of stored.Body as AsyncIterable<Buffer>) storedHash.update(chunk);
    expect(storedHash.digest("hex")).toBe(stats.sha256.digest("hex"));

    // The parts in flight, the one being filled, and a chunk of slack: never the whole file.
    expect(stats.maxAhead).toBeLessThanOrEqual((QUEUE_SIZE + 1) * PART_SIZE + 2 * CHUNK);
    expect(stats.maxAhead).toBeLessThan(total / 2);
  });
});
