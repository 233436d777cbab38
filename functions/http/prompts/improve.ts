import { improvePrompt } from "#core/prompts";
import { authenticate, jsonBody, unchecked } from "../request";
import { httpHandler, json } from "../respond";

/** POST /api/prompts/improve {prompt, seconds?, size?, model?} — {prompt, notes}. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  return json(200, await improvePrompt(caller, unchecked(jsonBody(event))));
});
