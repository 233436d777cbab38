import { createImage } from "#core/images";
import { authenticate, jsonBody, unchecked } from "../request";
import { httpHandler, json } from "../respond";

/** POST /api/images {prompt, size} — 201 with {image: {key, url, width, height}}. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  return json(201, await createImage(caller, unchecked(jsonBody(event))));
});
