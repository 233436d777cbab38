/**
 * A job's copy at its provider, done with: a deleted job's (cancelled if it still runs, so no more
 * work is billed; its files deleted if it finished), or one the provider started that Takes could
 * not record. Never asked while a person waits: their request answers once Takes' own records are
 * gone, and this queue asks the provider afterwards, retrying while it is unavailable.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst/resource";
// zod/mini: an internal message needs no more, and it keeps zod's 100 KiB out of the workers.
import * as z from "zod/mini";
import { sqsClient } from "../aws/sqs";
import { credentialForJob } from "../credentials";
import { log } from "../log";
import { getProvider } from "../providers";
import { ProviderRejected } from "../providers/contract";

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
  if (!getProvider(message.provider).delete) return;
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

/**
 * Deletes (or cancels) the job at its provider. An outage or a rate limit throws, so the queue
 * tries again; a refusal (the job is gone already, the key no longer works) is final.
 */
export async function deleteAtProvider(
  message: ProviderDelete,
): Promise<"deleted" | "refused" | "unsupported"> {
  const provider = getProvider(message.provider);
  if (!provider.delete) return "unsupported";
  try {
    await provider.delete(credentialForJob(message), message);
    return "deleted";
  } catch (error) {
    if (!(error instanceof ProviderRejected)) throw error;
    log.info("provider refused a delete", { jobId: message.jobId, status: error.status });
    return "refused";
  }
}
