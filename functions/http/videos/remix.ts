import { RemixRequest, remixVideo } from "#core/videos/index";
import { authenticate, jsonBody, pathParameter } from "../request";
import { httpHandler, json } from "../respond";

/** POST /api/videos/{id}/remix {prompt} — a new job from a finished one. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const { prompt } = jsonBody(event, RemixRequest);
  return json(202, await remixVideo(caller, pathParameter(event, "id"), prompt));
});
