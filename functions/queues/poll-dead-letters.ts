import { log } from "#core/log";
import { recheckAfterDeadLetter } from "#core/pipeline/poll";
import { parsePollMessage } from "#core/pipeline/queue";
import { eachRecord } from "./batch";

/**
 * PollDeadLetters → the job is checked with its provider again: rescheduled while it is healthy,
 * failed with a reason when the provider failed it or it ran out of retries.
 */
export const handler = eachRecord(async (record) => {
  const message = parsePollMessage(record.body);
  if (!message) return log.warn("dropped a malformed dead letter", { messageId: record.messageId });
  log.info("dead letter", {
    jobId: message.jobId,
    outcome: await recheckAfterDeadLetter(message.jobId),
  });
});
