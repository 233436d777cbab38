/**
 * `sst.aws.Queue` (platform/src/components/aws/queue.ts) and its one subscriber
 * (queue-lambda-subscriber.ts): the SQS settings SST derives, and the event source mapping's batch.
 */
import { SQS_DEFAULT_RETENTION_SECONDS, queueDefaults, queueSubscriberDefaults } from "./defaults";
import { functionBuilder } from "./function";
import type { QueueModel } from "./model";
import { LOCAL_ACCOUNT, LOCAL_REGION, StandIn } from "./recording";
import {
  applyTransform,
  durationToSeconds,
  optionalString,
  requiredString,
  type Args,
} from "./values";

export class QueueStandIn extends StandIn {
  readonly arn: string;
  readonly #queue: QueueModel;

  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.Queue");
    this.arn = this.address(`arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`);
    if (args.fifo) throw new Error(`${name}: FIFO queues have no local stand-in`);
    const dlq = args.dlq;
    const dlqArgs =
      dlq === undefined
        ? undefined
        : typeof dlq === "string"
          ? { queue: dlq, retry: queueDefaults.dlqRetry }
          : (dlq as { queue: unknown; retry: unknown });
    // The SQS arguments SST derives, then the queue's own transform on top, as on AWS.
    const sqsArgs = applyTransform((args.transform as Args | undefined)?.queue, `${name}Queue`, {
      visibilityTimeoutSeconds: durationToSeconds(
        optionalString(args.visibilityTimeout, `${name}: visibilityTimeout`) ??
          queueDefaults.visibilityTimeout,
      ),
      delaySeconds: durationToSeconds(
        optionalString(args.delay, `${name}: delay`) ?? queueDefaults.delay,
      ),
      messageRetentionSeconds: SQS_DEFAULT_RETENTION_SECONDS,
    });
    this.#queue = {
      visibilityTimeout: Number(sqsArgs.visibilityTimeoutSeconds),
      delay: Number(sqsArgs.delaySeconds),
      retention: Number(sqsArgs.messageRetentionSeconds),
    };
    if (dlqArgs) {
      this.#queue.dlq = {
        queue: this.recording.componentAt(
          requiredString(dlqArgs.queue, `${name}: dlq.queue`),
          `${name}: dlq`,
        ),
        retry: Number(dlqArgs.retry),
      };
    }
    this.recording.model.queues[name] = this.#queue;
  }

  subscribe(subscriber: unknown, args: Args = {}) {
    // An SQS event source mapping per queue: SST refuses a second subscriber.
    if (this.#queue.subscriber) {
      throw new Error(`${this.componentName}: a queue can only have one subscriber`);
    }
    if (args.filters !== undefined) {
      throw new Error(`${this.componentName}: subscriber filters have no local stand-in`);
    }
    const batch = (args.batch ?? {}) as Args;
    const fn = functionBuilder(
      this.recording,
      `${this.componentName}Subscriber`,
      subscriber,
      {},
      (args.transform as Args | undefined)?.function,
    );
    const window = optionalString(batch.window, `${this.componentName}: batch.window`);
    this.#queue.subscriber = {
      fn,
      batchSize: batch.size === undefined ? queueSubscriberDefaults.batchSize : Number(batch.size),
      batchWindow:
        window === undefined
          ? queueSubscriberDefaults.batchWindowSeconds
          : durationToSeconds(window),
      partialResponses: batch.partialResponses === true,
    };
    return this.result("subscribe");
  }
}
