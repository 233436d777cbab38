import { log } from "#core/log";
import { failAfterDeadLetter } from "#core/pipeline/poll";
import { parsePollMessage } from "#core/pipeline/queue";
import { eachRecord } from "./batch";

/** PollDeadLetters → the job fails with a reason, instead of staying "in progress" for ever. */
export const handler = eachRecord(async (record) => {
  const message = parsePollMessage(record.body);
  if (!message) return log.warn("dropped a malformed dead letter", { messageId: record.messageId });
  await failAfterDeadLetter(message.jobId);
});
