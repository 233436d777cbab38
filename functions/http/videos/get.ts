import { getVideo } from "#core/videos/index";
import { authenticate, pathParameter } from "../request";
import { httpHandler, json } from "../respond";

/** GET /api/videos/{id} — one job, with short-lived URLs for its media. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  return json(200, await getVideo(caller, { id: pathParameter(event, "id") }));
});
