import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { log } from "#core/log";

/**
 * An SQS subscriber that handles the batch's records concurrently and reports the ones that threw
 * as batch item failures: only those come back (and, after the queue's retries, go to its
 * dead-letter queue), never the whole batch.
 */
export function eachRecord(handle: (record: SQSRecord) => Promise<unknown>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(event.Records.map((record) => handle(record)));
    const batchItemFailures = results.flatMap((result, index) => {
      if (result.status === "fulfilled") return [];
      const record = event.Records[index]!;
      log.error("message failed", {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: result.reason as Error,
      });
      return [{ itemIdentifier: record.messageId }];
    });
    return { batchItemFailures };
  };
}
