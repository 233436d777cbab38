import { badRequest } from "#core/errors";
import { createVideo } from "#core/videos/index";
import { authenticate, formBody, isMultipart, jsonBody, unchecked } from "../request";
import { httpHandler, json, type HttpEvent } from "../respond";

/** The fields of a multipart create, and its optional `input_reference` image file. */
async function multipartRequest(event: HttpEvent) {
  const form = await formBody(event);
  const fields = Object.fromEntries(
    [...form.entries()].filter(
      ([name, value]) => name !== "input_reference" && typeof value === "string",
    ),
  );
  const file = form.get("input_reference");
  if (file !== null && typeof file === "string") {
    throw badRequest("invalid_image", "input_reference must be an image file.", "reference");
  }
  return { fields, reference: file ? new Uint8Array(await file.arrayBuffer()) : undefined };
}

/** POST /api/videos — JSON, or multipart with an `input_reference` image. 202 with the job. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const { fields, reference } = isMultipart(event)
    ? await multipartRequest(event)
    : { fields: jsonBody(event), reference: undefined };
  return json(202, await createVideo(caller, unchecked(fields), reference));
});
