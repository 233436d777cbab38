/**
 * Provider webhooks: the fast path to a finished job. A verified "job finished" event enqueues an
 * immediate poll, and the poll (not the webhook) decides what happened, so a replayed or mistaken
 * event costs one extra poll at most. Polling carries on regardless. Each provider checks its own
 * signature scheme (core/providers/*.ts acceptWebhook).
 */
import { badRequest } from "./errors";
import { findJobByProviderJobId } from "./jobs/repository";
import { isActive } from "./jobs/state";
import { enqueuePoll } from "./pipeline/queue";
import { getDeclared } from "./providers/declarations";
import type { WebhookDelivery } from "./providers/contract";

/**
 * A provider's webhook delivery: verified, then, when it reports a job of ours finished, an
 * immediate poll of that job. Returns the job polled, if any. Unknown events are accepted and
 * ignored, as senders retry anything they see refused.
 */
export async function acceptProviderWebhook(
  providerName: string,
  delivery: WebhookDelivery,
  now = Date.now(),
): Promise<{ polledJobId?: string }> {
  const provider = getDeclared(providerName);
  if (!provider.acceptWebhook) {
    throw badRequest("webhooks_unsupported", `${provider.name} does not send webhooks.`);
  }
  const providerJobId = await provider.acceptWebhook(delivery, now);
  if (!providerJobId) return {};
  const job = await findJobByProviderJobId(provider.name, providerJobId);
  if (!job || !isActive(job.status)) return {};
  await enqueuePoll(job.id, 0);
  return { polledJobId: job.id };
}
