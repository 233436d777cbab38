import { log } from "#core/log";
import { pollJob } from "#core/pipeline/poll";
import { parsePollMessage } from "#core/pipeline/queue";
import { eachRecord } from "./batch";

/** PollQueue → one poll per message; a message that is not a poll request is dropped. */
export const handler = eachRecord(async (record) => {
  const message = parsePollMessage(record.body);
  if (!message)
    return log.warn("dropped a malformed poll message", { messageId: record.messageId });
  const outcome = await pollJob(message);
  log.info("polled", { jobId: message.jobId, outcome });
});
