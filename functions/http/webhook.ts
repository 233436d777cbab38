import { acceptProviderWebhook } from "#core/webhooks";
import { pathParameter, rawBody } from "./request";
import { httpHandler, json } from "./respond";

/** POST /api/webhooks/{provider} — signature-verified; a finished job gets an immediate poll. */
export const handler = httpHandler(async (event) => {
  const delivery = { body: rawBody(event), headers: event.headers };
  await acceptProviderWebhook(pathParameter(event, "provider"), delivery);
  return json(202, { received: true });
});
