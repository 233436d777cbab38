import { deleteVideo } from "#core/videos/delete";
import { authenticate, pathParameter } from "../request";
import { httpHandler } from "../respond";

/** DELETE /api/videos/{id} — the job, its media, and the provider's copy where supported. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  await deleteVideo(caller, { id: pathParameter(event, "id") });
  return { statusCode: 204 };
});
