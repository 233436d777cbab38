import { remixVideo } from "#core/videos/index";
import { authenticate, jsonBody, pathParameter, unchecked } from "../request";
import { httpHandler, json } from "../respond";

/** POST /api/videos/{id}/remix {prompt} — a new job from a finished one. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const body = jsonBody(event);
  return json(
    202,
    await remixVideo(caller, unchecked({ ...body, id: pathParameter(event, "id") })),
  );
});
