import { createShare, ShareRequest } from "#core/shares";
import { authenticate, jsonBody, pathParameter } from "../request";
import { httpHandler, json } from "../respond";
import { withUrl } from "./url";

/** POST /api/videos/{id}/shares {expiresIn} — a link to a completed video, for 1 hour to 30 days. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const { expiresIn } = jsonBody(event, ShareRequest);
  const share = await createShare(caller, pathParameter(event, "id"), expiresIn);
  return json(201, { share: withUrl(event, share) });
});
