/**
 * One copy for bench/copy.ts, in a process of its own so that its peak RSS is this copy's alone:
 * `copy-run.ts <streaming|naive> <source URL> <key>`. The S3 endpoint and the SST resources come
 * from the environment. Prints one JSON line: bytes copied, seconds, and RSS before and at peak.
 */
import { readFileSync } from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import { Resource } from "sst";
import { s3Client } from "#core/aws";
import { PART_SIZE, QUEUE_SIZE, streamToBucket } from "#core/media/storage";

export type Strategy = "streaming" | "naive";

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

const [strategy, sourceUrl, key] = process.argv.slice(2);
if ((strategy !== "streaming" && strategy !== "naive") || !sourceUrl || !key) {
  throw new Error("usage: copy-run.ts <streaming|naive> <source URL> <key>");
}
const copy = strategy === "streaming" ? streaming : naive;
const startKiB = peakRssKiB();
const start = performance.now();
const bytes = await copy(sourceUrl, key);
const seconds = (performance.now() - start) / 1000;
const run: CopyRun = { bytes, seconds, startKiB, peakKiB: peakRssKiB() };
console.log(JSON.stringify(run));
s3Client().destroy();
