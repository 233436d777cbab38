import { listVideos } from "#core/videos/index";
import { authenticate, unchecked } from "../request";
import { httpHandler, json } from "../respond";

/** GET /api/videos?cursor=&status=&limit= — the caller's jobs, newest first. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  return json(200, await listVideos(caller, unchecked(event.queryStringParameters ?? {})));
});
