import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst/resource";
// zod/mini: an internal message needs no more, and it keeps zod's 100 KiB out of the workers.
import * as z from "zod/mini";
import { sqsClient } from "../aws/sqs";

/** SQS delays a message by at most 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

const PollMessage = z.object({
  jobId: z.string(),
  /**
   * The job's `nextPollAt` when this poll was scheduled. A job whose `nextPollAt` has since moved
   * later has a newer poll on the way, so this one is superseded (see pollJob). Polls that must
   * run whatever is scheduled (first poll, webhook, sweeper) leave it out.
   */
  scheduledFor: z.optional(z.number()),
});
export type PollMessage = z.infer<typeof PollMessage>;

/** Asks the poller to look at a job after `delaySeconds` (clamped to what SQS allows). */
export async function enqueuePoll(jobId: string, delaySeconds: number, scheduledFor?: number) {
  const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds)));
  await sqsClient().send(
    new SendMessageCommand({
      QueueUrl: Resource.PollQueue.url,
      MessageBody: JSON.stringify({ jobId, scheduledFor } satisfies PollMessage),
      DelaySeconds: delay,
    }),
  );
}

/** The message body, or undefined for one that is not a poll request (it is dropped). */
export function parsePollMessage(body: string): PollMessage | undefined {
  try {
    const parsed = PollMessage.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
