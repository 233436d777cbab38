import { startClock, TIME_BUDGETS } from "#core/time-budgets";
import { remixVideo } from "#core/videos/remix";
import { authenticate, jsonBody, pathParameter, unchecked } from "../request";
import { httpHandler, json } from "../respond";

/** POST /api/videos/{id}/remix {prompt}, optional Idempotency-Key — a new job from a finished one. */
export const handler = httpHandler(async (event) => {
  const clock = startClock(TIME_BUDGETS.startVideo);
  const caller = await authenticate(event);
  const idempotencyKey = event.headers?.["idempotency-key"];
  const body = jsonBody(event);
  return json(
    202,
    await remixVideo(caller, unchecked({ ...body, id: pathParameter(event, "id") }), {
      idempotencyKey,
      clock,
    }),
  );
});
