import { z } from "zod";
import { frameUrl } from "#core/videos/index";
import { authenticate, pathParameter, validate } from "../request";
import { httpHandler } from "../respond";

const Frame = z.enum(["first", "last"]);

/** GET /api/videos/{id}/frames/{frame} — 302 to a short-lived URL of the first or last frame. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const frame = validate(Frame, pathParameter(event, "frame"));
  const url = await frameUrl(caller, pathParameter(event, "id"), frame);
  return { statusCode: 302, headers: { location: url, "cache-control": "no-store" } };
});
