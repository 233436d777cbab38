/**
 * `npm run openapi`
 *
 * Writes functions/http/openapi/openapi.json, the document GET /api/openapi.json serves, from the
 * schemas that validate the API's requests and describe its replies
 * (functions/http/openapi/document.ts). Written ahead of time so that the route loads no zod at a
 * cold start; tests/components/openapi.test.ts fails while the file is not what the schemas make.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "../functions/http/openapi/document";

const out = new URL("../functions/http/openapi/openapi.json", import.meta.url);
await writeFile(out, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`Wrote ${fileURLToPath(out)}`);
