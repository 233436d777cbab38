import { ListRequest, listVideos } from "#core/videos/index";
import { authenticate, validate } from "../request";
import { httpHandler, json } from "../respond";

/** GET /api/videos?cursor=&status=&limit= — the caller's jobs, newest first. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const request = validate(ListRequest, event.queryStringParameters ?? {});
  return json(200, await listVideos(caller, request));
});
