/**
 * One run for bench/copy.ts, in a process of its own so that its peak RSS is this run's alone:
 * `copy-run.ts <streaming|naive|download|upload> <source URL> <key>`. The S3 endpoint and the SST
 * resources come from the environment. Prints one JSON line: bytes moved, seconds, and RSS before
 * and at peak.
 */
import { readFileSync } from "node:fs";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Resource } from "sst";
import { s3Client } from "#core/aws";
import { PART_SIZE, QUEUE_SIZE, streamToBucket } from "#core/media/storage";
import { bytesOf, deterministicBytes } from "./copy-source";

/** The two copies compared, and the two legs a copy is made of, each alone. */
export type Strategy = "streaming" | "naive" | "download" | "upload";

export interface CopyRun {
  bytes: number;
  seconds: number;
  /** The process's high-water RSS before the copy started (start-up, imports), in KiB. */
  startKiB: number;
  peakKiB: number;
}

const CONTENT_TYPE = "video/mp4";

/**
 * This process's peak RSS so far, in KiB: VmHWM, the high-water mark of this process image.
 * Not `process.resourceUsage().maxRSS`: Linux carries that over exec from the forked parent, so
 * a child of a big parent starts out with the parent's RSS as its "peak".
 */
function peakRssKiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error("no VmHWM in /proc/self/status (this benchmark needs Linux)");
  return Number(match[1]);
}

/** Takes' copy: the download's body streamed through lib-storage's multipart upload. */
async function streaming(sourceUrl: string, key: string): Promise<number> {
  const response = await fetch(sourceUrl);
  if (!response.ok || !response.body) throw new Error(`source answered ${response.status}`);
  const contentLength = Number(response.headers.get("content-length"));
  const content = { body: response.body, contentType: CONTENT_TYPE, contentLength };
  return streamToBucket(key, content, CONTENT_TYPE, new AbortController().signal);
}

/**
 * The baseline: the whole body into one Buffer, then uploaded. One PutObject is what a naive copy
 * would send, but fauxqs refuses request bodies over 11 MiB (its Fastify bodyLimit), so the
 * Buffer goes up in the same parts as Takes' copy: slices of the Buffer, no copies, so the memory
 * held is the Buffer's, as with one PutObject.
 */
async function naive(sourceUrl: string, key: string): Promise<number> {
  const response = await fetch(sourceUrl);
  if (!response.ok) throw new Error(`source answered ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  const upload = new Upload({
    client: s3Client(),
    params: { Bucket: Resource.Media.name, Key: key, Body: body, ContentType: CONTENT_TYPE },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
  });
  await upload.done();
  return body.byteLength;
}

/** The download leg alone: the provider's file read to its end and dropped. */
async function download(sourceUrl: string): Promise<number> {
  const response = await fetch(sourceUrl);
  if (!response.ok || !response.body) throw new Error(`source answered ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += chunk.byteLength;
  return bytes;
}

/** The same bytes as the source serves, a part at a time. */
function* partsOf(total: number): Generator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for (const chunk of deterministicBytes(total)) {
    pending.push(chunk);
    length += chunk.byteLength;
    if (length >= PART_SIZE) {
      const joined = Buffer.concat(pending);
      yield joined.subarray(0, PART_SIZE);
      pending = [joined.subarray(PART_SIZE)];
      length = pending[0]!.byteLength;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}

/**
 * The upload leg alone: the same bytes, made here, sent as a raw multipart upload (UploadPart
 * calls, the same part size and parts in flight as Takes' copy; the SDK's default checksum).
 */
async function upload(sourceUrl: string, key: string): Promise<number> {
  const client = s3Client();
  const target = { Bucket: Resource.Media.name, Key: key };
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({
      ...target,
      ContentType: CONTENT_TYPE,
      ChecksumAlgorithm: "CRC32",
    }),
  );
  const parts = partsOf(bytesOf(sourceUrl));
  const done: CompletedPart[] = [];
  let bytes = 0;
  let partNumber = 0;
  const worker = async () => {
    for (let next = parts.next(); !next.done; next = parts.next()) {
      const body = next.value;
      const number = ++partNumber;
      const { ETag, ChecksumCRC32 } = await client.send(
        new UploadPartCommand({ ...target, UploadId, PartNumber: number, Body: body }),
      );
      done.push({ PartNumber: number, ETag, ChecksumCRC32 });
      bytes += body.byteLength;
    }
  };
  await Promise.all(Array.from({ length: QUEUE_SIZE }, worker));
  await client.send(
    new CompleteMultipartUploadCommand({
      ...target,
      UploadId,
      MultipartUpload: { Parts: done.sort((a, b) => a.PartNumber! - b.PartNumber!) },
    }),
  );
  return bytes;
}

const COPIES: Record<Strategy, (sourceUrl: string, key: string) => Promise<number>> = {
  streaming,
  naive,
  download,
  upload,
};

const [strategy, sourceUrl, key] = process.argv.slice(2);
if (!Object.hasOwn(COPIES, strategy ?? "") || !sourceUrl || !key) {
  throw new Error(`usage: copy-run.ts <${Object.keys(COPIES).join("|")}> <source URL> <key>`);
}
const copy = COPIES[strategy as Strategy];
const startKiB = peakRssKiB();
const start = performance.now();
const bytes = await copy(sourceUrl, key);
const seconds = (performance.now() - start) / 1000;
const run: CopyRun = { bytes, seconds, startKiB, peakKiB: peakRssKiB() };
console.log(JSON.stringify(run));
s3Client().destroy();
