import { invoke } from "#local/runtime/lambda";
import { startSqsEventSources } from "#local/runtime/sqs-event-source";

/** The region the benchmarks' local resources answer in. */
const REGION = "us-east-1";

/**
 * The PollQueue's event-source mapping only (no frames worker), run as the local runtime runs it:
 * batches of 10, two pollers, each batch handed to the poller handler.
 */
export function startPollQueueMapping(
  aws: Pick<Parameters<typeof startSqsEventSources>[0], "model" | "queueUrls" | "sqs">,
) {
  return startSqsEventSources({
    model: { ...aws.model, queues: { PollQueue: aws.model.queues.PollQueue! } },
    queueUrls: aws.queueUrls,
    region: REGION,
    sqs: aws.sqs,
    waitTimeSeconds: 1,
    invoke: (fn, event) => invoke(fn, event, { region: REGION, log: console.error }),
    log: console.error,
  });
}
