/**
 * A job's copy at its provider, done with: a deleted job's (cancelled if it still runs, so no more
 * work is billed; its files deleted if it finished), or one the provider started that Takes could
 * not record. Never asked while a person waits: their request answers once Takes' own records are
 * gone, and this queue asks the provider afterwards, retrying while it is unavailable. The
 * message and its queueing are here; the worker's call to the provider is delete-at-provider.ts,
 * so that the functions which only queue one package no provider adapter.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst/resource";
// zod/mini: an internal message needs no more, and it keeps zod's 100 KiB out of the workers.
import * as z from "zod/mini";
import { sqsClient } from "../aws/sqs";
import { log } from "../log";
import { getDeclared } from "../providers/declarations";

const ProviderDelete = z.object({
  /** Takes' id for the job, for the logs. */
  jobId: z.string(),
  provider: z.string(),
  providerJobId: z.string(),
  model: z.string(),
  /** The brought key that made the job, sealed (core/sealing.ts); else the operator's key acts. */
  sealedCredential: z.optional(z.string()),
});
export type ProviderDelete = z.infer<typeof ProviderDelete>;

/**
 * Asks the ProviderDeletes worker to delete (or cancel) the job at its provider, where the provider
 * can. Best effort: a provider's copy lapses by itself, and a queue that cannot be reached must not
 * fail the request that asked.
 */
export async function queueProviderDelete(message: ProviderDelete): Promise<void> {
  if (!getDeclared(message.provider).offers.includes("delete")) return;
  try {
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: Resource.ProviderDeletes.url,
        MessageBody: JSON.stringify(message satisfies ProviderDelete),
      }),
    );
  } catch (error) {
    log.error("could not queue a provider delete", { jobId: message.jobId, error: error as Error });
  }
}

/** The message, or undefined for one that is not a provider delete (it is dropped). */
export function parseProviderDelete(body: string): ProviderDelete | undefined {
  try {
    const parsed = ProviderDelete.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
