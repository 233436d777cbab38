import { log } from "#core/log";
import { deleteAtProvider } from "#core/pipeline/delete-at-provider";
import { parseProviderDelete } from "#core/pipeline/provider-deletes";
import { eachRecord } from "./batch";

/** ProviderDeletes → the job deleted (or cancelled) at its provider; a malformed message is dropped. */
export const handler = eachRecord(async (record) => {
  const message = parseProviderDelete(record.body);
  if (!message) {
    return log.warn("dropped a malformed provider delete", { messageId: record.messageId });
  }
  log.info("provider delete", { jobId: message.jobId, outcome: await deleteAtProvider(message) });
});
