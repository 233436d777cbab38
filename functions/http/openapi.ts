import { openApiDocument } from "./openapi/document";
import { httpHandler, json } from "./respond";

/** GET /api/openapi.json — the API in OpenAPI 3.1, generated from its request and reply schemas. */
export const handler = httpHandler(async () =>
  // The same for every caller until the next deploy.
  json(200, openApiDocument(), { "cache-control": "public, max-age=300" }),
);
