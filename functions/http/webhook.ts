import { log } from "#core/log";
import type { WebhookReceipt } from "#core/responses";
import { acceptProviderWebhook } from "#core/webhooks";
import { pathParameter, rawBody } from "./request";
import { httpHandler, json } from "./respond";

/** POST /api/webhooks/{provider} — signature-verified; a finished job gets an immediate poll. */
export const handler = httpHandler(async (event) => {
  const provider = pathParameter(event, "provider");
  const delivery = { body: rawBody(event), headers: event.headers };
  const { polledJobId } = await acceptProviderWebhook(provider, delivery);
  log.info("webhook", { provider, polledJobId });
  return json(202, { received: true } satisfies WebhookReceipt);
});
