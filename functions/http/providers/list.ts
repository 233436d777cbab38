import { providerCatalogWithAccounts } from "#core/catalog";
import { authenticate } from "../request";
import { httpHandler, json } from "../respond";

/** GET /api/providers — the providers and models the caller can use, with their capabilities. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  return json(200, await providerCatalogWithAccounts(caller));
});
