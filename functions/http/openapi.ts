import { OPENAPI_JSON } from "./openapi/served";

/**
 * GET /api/openapi.json — the API in OpenAPI 3.1, generated from its request and reply schemas
 * ahead of time (`npm run openapi`), so this route loads neither zod nor the schemas. Nothing here
 * can fail, so it goes without the other routes' error handling (respond.ts) and its logger.
 */
export const handler = async () => ({
  statusCode: 200,
  // The same for every caller until the next deploy.
  headers: { "content-type": "application/json", "cache-control": "public, max-age=300" },
  body: OPENAPI_JSON,
});
