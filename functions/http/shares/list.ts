import type { ShareList } from "#core/responses";
import { listShares } from "#core/shares";
import { authenticate, pathParameter } from "../request";
import { httpHandler, json } from "../respond";
import { withUrl } from "./url";

/** GET /api/videos/{id}/shares — the video's links, newest first, with their view counts. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const shares = await listShares(caller, { id: pathParameter(event, "id") });
  return json(200, { shares: shares.map((share) => withUrl(event, share)) } satisfies ShareList);
});
