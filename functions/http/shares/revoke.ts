import { revokeShare } from "#core/shares";
import { authenticate, pathParameter } from "../request";
import { httpHandler } from "../respond";

/** DELETE /api/videos/{id}/shares/{token} — the link stops working at once (410 from then on). */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  await revokeShare(caller, {
    id: pathParameter(event, "id"),
    token: pathParameter(event, "token"),
  });
  return { statusCode: 204 };
});
