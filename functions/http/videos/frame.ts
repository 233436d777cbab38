import { frameUrl } from "#core/videos/index";
import { authenticate, pathParameter, unchecked } from "../request";
import { httpHandler } from "../respond";

/** GET /api/videos/{id}/frames/{frame} — 302 to a short-lived URL of the first or last frame. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const path = { id: pathParameter(event, "id"), frame: pathParameter(event, "frame") };
  const url = await frameUrl(caller, unchecked(path));
  return { statusCode: 302, headers: { location: url, "cache-control": "no-store" } };
});
