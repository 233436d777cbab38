// Frame extraction against DynamoDB Local and fauxqs, on real H.264 MP4s made with ffmpeg.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { SQSEvent } from "aws-lambda";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeEventKey } from "#local/aws/s3-notifications";
import { startLinkedResources, type LinkedResources } from "#local/link";
import type { Job } from "#core/jobs/model";
import { mediaKey } from "#core/media/layout";
import { createJob, deleteJob, getJob } from "#core/jobs/repository";
import { newJobInput } from "../support/jobs";

const ffmpeg = join(import.meta.dirname, "../../node_modules/@ffmpeg-installer/linux-x64/ffmpeg");
const run = promisify(execFile);

let aws: LinkedResources;
let work: string;
let extractFrames: typeof import("#core/pipeline/frames").extractFrames;
let handler: typeof import("#functions/queues/frames").handler;
let putMedia: typeof import("#core/media/storage").putMedia;

beforeAll(async () => {
  aws = await startLinkedResources();
  work = await mkdtemp(join(tmpdir(), "takes-frames-test-"));
  ({ extractFrames } = await import("#core/pipeline/frames"));
  ({ handler } = await import("#functions/queues/frames"));
  ({ putMedia } = await import("#core/media/storage"));
});
afterAll(async () => {
  await Promise.all([aws?.stop(), work && rm(work, { recursive: true })]);
});

const FPS = 24;

/** A test pattern clip whose frames all differ (a moving pattern and a frame counter). */
async function renderVideo(size: string, seconds: number): Promise<Buffer> {
  const file = join(work, `${size}-${seconds}.mp4`);
  await run(ffmpeg, [
    ...["-hide_banner", "-loglevel", "error", "-y"],
    ...["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${FPS}:duration=${seconds}`],
    ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "48", file],
  ]);
  return readFile(file);
}

async function storedJob(size: string, seconds: number): Promise<Job> {
  const job = await createJob(newJobInput({ prompt: "test pattern", seconds, size }));
  await putMedia(mediaKey(job, "video"), await renderVideo(size, seconds), "video/mp4");
  return job;
}

async function stored(key: string) {
  const { Body, ContentType } = await aws.s3.send(
    new GetObjectCommand({ Bucket: "media", Key: key }),
  );
  return { bytes: Buffer.from(await Body!.transformToByteArray()), contentType: ContentType };
}

/** The last frame found the slow, certain way: decoding every frame and picking it by number. */
async function lastFrameByDecodingAll(video: Buffer, frames: number): Promise<Buffer> {
  const input = join(work, "all.mp4");
  const output = join(work, "all-last.png");
  await writeFile(input, video);
  await run(ffmpeg, [
    ...["-hide_banner", "-loglevel", "error", "-y", "-i", input],
    ...["-vf", `select=eq(n\\,${frames - 1})`, "-frames:v", "1", "-update", "1", output],
  ]);
  return readFile(output);
}

const pixels = (png: Buffer) => sharp(png).raw().toBuffer();

describe("extractFrames", () => {
  it("makes first and last frames at the video's size, and a thumbnail and sprite sheet", async () => {
    for (const [size, seconds] of [
      ["1280x720", 4],
      ["720x1280", 2],
    ] as const) {
      const job = await storedJob(size, seconds);
      expect(await extractFrames(mediaKey(job, "video"))).toBe("extracted");

      const { media } = (await getJob(job.id))!;
      for (const variant of ["firstFrame", "lastFrame", "thumbnail", "spritesheet"] as const) {
        const object = await stored(mediaKey(job, variant));
        expect(media[variant]).toEqual({
          key: mediaKey(job, variant),
          contentType: object.contentType,
          bytes: object.bytes.byteLength,
        });
      }
      const first = await stored(mediaKey(job, "firstFrame"));
      const last = await stored(mediaKey(job, "lastFrame"));
      for (const frame of [first, last]) {
        const { format, width, height } = await sharp(frame.bytes).metadata();
        expect({ format, size: `${width}x${height}`, type: frame.contentType }).toEqual({
          format: "png",
          size,
          type: "image/png",
        });
      }
      const video = await stored(mediaKey(job, "video"));
      // Buffer.equals: vitest's deep equality takes seconds on megabytes of pixels.
      const lastPixels = await pixels(last.bytes);
      const decodedAll = await lastFrameByDecodingAll(video.bytes, seconds * FPS);
      expect(lastPixels.equals(await pixels(decodedAll)), "the last frame is the last").toBe(true);
      expect(lastPixels.equals(await pixels(first.bytes)), "first and last differ").toBe(false);

      const thumbnail = await sharp((await stored(mediaKey(job, "thumbnail"))).bytes).metadata();
      expect({ format: thumbnail.format, width: thumbnail.width }).toEqual({
        format: "webp",
        width: 320,
      });
      const sprite = await sharp((await stored(mediaKey(job, "spritesheet"))).bytes).metadata();
      expect({ format: sprite.format, width: sprite.width }).toEqual({
        format: "webp",
        width: 1600,
      });
    }
  });

  it("keeps the provider's thumbnail and sprite sheet when they are already stored", async () => {
    const job = await storedJob("1280x720", 4);
    const providers = Buffer.from("the provider's own thumbnail");
    await putMedia(mediaKey(job, "thumbnail"), providers, "image/webp");
    await putMedia(mediaKey(job, "spritesheet"), providers, "image/webp");
    expect(await extractFrames(mediaKey(job, "video"))).toBe("extracted");
    const { media } = (await getJob(job.id))!;
    expect(Object.keys(media).sort()).toEqual(["firstFrame", "lastFrame"]);
    expect((await stored(mediaKey(job, "thumbnail"))).bytes).toEqual(providers);
  });

  it("ignores keys that are not a job's video, and videos of deleted jobs", async () => {
    expect(await extractFrames("references/someone/01JD0000000000000000000000.png")).toBe(
      "ignored",
    );
    const job = await storedJob("1280x720", 4);
    await deleteJob(job.owner, job.id);
    expect(await extractFrames(mediaKey(job, "video"))).toBe("missing");
  });
});

describe("frames handler", () => {
  const record = (body: unknown, messageId: string) => ({
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "s3",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:FramesQueue",
    awsRegion: "us-east-1",
  });

  it("decodes S3's keys, skips test events and strangers, and reports only failing records", async () => {
    const job = await storedJob("1280x720", 2);
    const event: SQSEvent = {
      Records: [
        record({ Event: "s3:TestEvent", Service: "Amazon S3" }, "test-event"),
        record(
          { Records: [{ s3: { object: { key: encodeEventKey(mediaKey(job, "video")) } } }] },
          "stored",
        ),
        record({ Records: [{ s3: { object: { key: "videos/a/b/video.mp4" } } }] }, "foreign"),
        record("not an S3 event at all", "not-s3"),
        // A record without its object: a bug somewhere, so it comes back and, in the end, lands
        // in the dead-letter queue for a person to look at.
        record({ Records: [{ s3: {} }] }, "broken"),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "broken" }] });
    expect((await getJob(job.id))?.media.lastFrame).toBeDefined();
  });
});
