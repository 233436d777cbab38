// S3 failing in the middle of a copy, for real: the app's S3 traffic goes through a loopback proxy
// in front of fauxqs that answers UploadPart with S3's 500 InternalError while "S3 is down".
// The copy must fail cleanly (no object, no unfinished upload) and a later retry must store it whole.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, DeleteBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PART_SIZE, streamToBucket } from "#core/media/storage";
import { startLinkedResources, type LinkedResources } from "#local/link";

const BUCKET = "media";
let aws: LinkedResources;
let proxy: Server;
let s3Down = false;
let refusedParts = 0;

const INTERNAL_ERROR =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' +
  "<Message>We encountered an internal error. Please try again.</Message></Error>";

/** The proxy in front of fauxqs (at `awsUrl`); resolves to the proxy's own URL. */
async function startFaultyProxy(awsUrl: string): Promise<string> {
  const target = new URL(awsUrl);
  proxy = createServer((incoming, outgoing) => {
    const isUploadPart = incoming.method === "PUT" && /[?&]partNumber=/.test(incoming.url ?? "");
    if (s3Down && isUploadPart) {
      refusedParts += 1;
      incoming.resume();
      outgoing.writeHead(500, { "content-type": "application/xml" }).end(INTERNAL_ERROR);
      return;
    }
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (reply) => {
        outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // The app's client (core/aws.ts) talks to the proxy; the test's own (aws.s3) to fauxqs.
  aws = await startLinkedResources({ tables: false, s3Proxy: startFaultyProxy });
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await aws?.stop();
});

const video = (bytes: number) => ({
  body: new Blob([new Uint8Array(bytes).fill(7)]).stream(),
  contentType: "video/mp4",
  contentLength: bytes,
});

describe("an S3 failure mid-copy", () => {
  it("fails the copy without leaving an object or an unfinished upload, and the retry stores it whole", async () => {
    const key = "videos/owner/job/video.mp4";
    const size = 3 * PART_SIZE + 12_345;

    s3Down = true;
    await expect(
      streamToBucket(key, video(size), "video/mp4", new AbortController().signal),
    ).rejects.toThrow();
    expect(refusedParts).toBeGreaterThan(0);
    await expect(
      aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })),
    ).rejects.toThrow();
    // fauxqs refuses to delete a bucket that still holds an unfinished multipart upload.
    await aws.s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));
    await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

    s3Down = false;
    const stored = await streamToBucket(
      key,
      video(size),
      "video/mp4",
      new AbortController().signal,
    );
    expect(stored).toBe(size);
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentLength).toBe(size);
  });
});
