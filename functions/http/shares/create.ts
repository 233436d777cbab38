import type { CreatedShare } from "#core/responses";
import { createShare } from "#core/shares";
import { authenticate, jsonBody, pathParameter, unchecked } from "../request";
import { httpHandler, json } from "../respond";
import { withUrl } from "./url";

/** POST /api/videos/{id}/shares {expiresIn} — a link to a completed video, for 1 hour to 30 days. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const body = jsonBody(event);
  const share = await createShare(caller, unchecked({ ...body, id: pathParameter(event, "id") }));
  return json(201, { share: withUrl(event, share) } satisfies CreatedShare);
});
