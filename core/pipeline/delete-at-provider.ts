/**
 * The ProviderDeletes worker's call: a job's copy at its provider deleted (or cancelled), as a
 * message queued by provider-deletes.ts asks.
 */
import { credentialForJob } from "../caller-providers";
import { log } from "../log";
import { getProvider } from "../providers";
import { ProviderRejected } from "../providers/contract";
import type { ProviderDelete } from "./provider-deletes";

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
