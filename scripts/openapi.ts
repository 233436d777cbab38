/**
 * `npm run openapi`
 *
 * Writes functions/http/openapi/served.ts: the OpenAPI document GET /api/openapi.json serves, as
 * JSON text, made from the schemas that validate the API's requests and describe its replies
 * (functions/http/openapi/document.ts). Written ahead of time so that the route loads neither zod
 * nor the schemas at a cold start, and as a string, which a cold start reads without building the
 * document's objects. tests/components/openapi.test.ts fails while it is not what the schemas make.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "../functions/http/openapi/document";

const out = new URL("../functions/http/openapi/served.ts", import.meta.url);
/** JSON text as the body of a template literal. */
const literal = (text: string) =>
  text.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");

await writeFile(
  out,
  "// Written by `npm run openapi` from document.ts: edit the schemas, then run it again.\n" +
    `export const OPENAPI_JSON = \`${literal(JSON.stringify(openApiDocument()))}\`;\n`,
);
console.log(`Wrote ${fileURLToPath(out)}`);
