import type { S3Event } from "aws-lambda";
import { log } from "#core/log";
import { extractFrames } from "#core/pipeline/frames";
import { eachRecord } from "./batch";

type FramesMessage = Partial<S3Event> & { Event?: string };

/** S3 writes keys in events form-encoded: "+" for a space, the rest percent-encoded. */
const decodeEventKey = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

/** FramesQueue (S3 "video stored" events) → first and last frames, and any missing thumbnails. */
export const handler = eachRecord(async (record) => {
  const message = JSON.parse(record.body) as FramesMessage | null;
  // S3 sends one s3:TestEvent when the notification is configured; it names no object.
  if (message?.Event === "s3:TestEvent") return;
  if (!Array.isArray(message?.Records)) {
    return log.warn("dropped a message that is not an S3 event", { messageId: record.messageId });
  }
  for (const s3Record of message.Records) {
    const key = decodeEventKey(s3Record.s3.object.key);
    log.info("frames", { key, outcome: await extractFrames(key) });
  }
});
