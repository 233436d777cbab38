import * as z from "zod/mini";
import type { ZodOpenApiMediaTypeObject } from "zod-openapi";
import { badRequest } from "#core/errors";
import { ACCEPTED_FORMATS, MAX_REFERENCE_BYTES } from "#core/media/fit";
import { VideoRequest } from "#core/requests";
import { startClock, TIME_BUDGETS } from "#core/time-budgets";
import { createVideo, type ImageUploads } from "#core/videos/create";
import { authenticate, formBody, isMultipart, jsonBody, unchecked } from "../request";
import { httpHandler, json, type HttpEvent } from "../respond";

/** The multipart file fields: the image the clip starts from, and the one it ends on. */
const IMAGE_FIELDS = { input_reference: "firstFrame", last_frame: "lastFrame" } as const;

const imageFile = (description: string) =>
  z.optional(z.file().check(z.maxSize(MAX_REFERENCE_BYTES))).check(z.meta({ description }));

/**
 * The multipart create, for the OpenAPI document: the JSON create's fields as text, plus the image
 * files, each cover-fitted to `size`.
 */
export const multipartCreate: ZodOpenApiMediaTypeObject = {
  schema: z.extend(VideoRequest, {
    input_reference: imageFile("The image the clip starts from (its first frame)."),
    last_frame: imageFile("The image the clip ends on, for models that take a last frame."),
  } satisfies Record<keyof typeof IMAGE_FIELDS, z.ZodMiniType>),
  encoding: Object.fromEntries(
    Object.keys(IMAGE_FIELDS).map((name) => [
      name,
      { contentType: [...ACCEPTED_FORMATS].map((format) => `image/${format}`).join(", ") },
    ]),
  ),
};

/** The fields of a multipart create, and its image files. */
async function multipartRequest(event: HttpEvent) {
  const form = await formBody(event);
  const fields = Object.fromEntries(
    [...form.entries()].filter(
      ([name, value]) => !(name in IMAGE_FIELDS) && typeof value === "string",
    ),
  );
  const uploads: ImageUploads = {};
  for (const [name, upload] of Object.entries(IMAGE_FIELDS)) {
    const file = form.get(name);
    if (file === null) continue;
    if (typeof file === "string") {
      throw badRequest("invalid_image", `${name} must be an image file.`, "reference");
    }
    uploads[upload] = new Uint8Array(await file.arrayBuffer());
  }
  return { fields, uploads };
}

/**
 * POST /api/videos — JSON, or multipart with an `input_reference` image (the first frame) and,
 * for models that take one, a `last_frame` image; an optional Idempotency-Key. 202 with the job.
 */
export const handler = httpHandler(async (event) => {
  // The time budget runs from the request's start: reading the body counts.
  const clock = startClock(TIME_BUDGETS.startVideo);
  const caller = await authenticate(event);
  const idempotencyKey = event.headers?.["idempotency-key"];
  const { fields, uploads } = isMultipart(event)
    ? await multipartRequest(event)
    : { fields: jsonBody(event), uploads: {} };
  return json(
    202,
    await createVideo(caller, unchecked(fields), uploads, { idempotencyKey, clock }),
  );
});
