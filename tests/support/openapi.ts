/**
 * The OpenAPI document (functions/http/openapi/document.ts) as a checker of replies: which
 * operation a request reached, and whether the reply's status, headers and body are what the
 * document says. Its schemas are compiled with ajv's JSON Schema 2020-12 dialect, OpenAPI 3.1's.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";

export type OpenApiDocument = ReturnType<
  typeof import("#functions/http/openapi/document").openApiDocument
>;

/** Where the document sits in ajv: its `#/components/...` references resolve against it. */
const DOCUMENT_ID = "https://takes.invalid/api/openapi.json";

/** An OpenAPI document's own fields, beside JSON Schema's: ajv is told they are not typos. */
const OPENAPI_FIELDS = ["openapi", "info", "servers", "paths", "components", "security", "tags"];

/** The formats the document's schemas use; a format ajv does not know is a compile error. */
const FORMATS: Record<string, (value: string) => boolean> = {
  "date-time": (value) => /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value)),
  date: (value) => /^\d{4}-\d\d-\d\d$/.test(value) && !Number.isNaN(Date.parse(value)),
  uri: (value) => URL.canParse(value),
  // Files in multipart request bodies: nothing to check in a JSON value.
  binary: () => true,
};

export const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** An ajv that knows the document: `schemaAt(pointer)` compiles the schema found there. */
export function documentSchemas(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addVocabulary(OPENAPI_FIELDS);
  for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { validate });
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  return {
    schemaAt(pointer: string[]): ValidateFunction {
      const fragment = pointer
        .map((part) => encodeURIComponent(part.replaceAll("~", "~0").replaceAll("/", "~1")))
        .join("/");
      const validate = ajv.getSchema(`${DOCUMENT_ID}#/${fragment}`);
      if (!validate) throw new Error(`No schema at #/${pointer.join("/")}`);
      return validate;
    },
    errorsText: (validate: ValidateFunction) =>
      ajv.errorsText(validate.errors, { separator: "; " }),
  };
}

interface Operation {
  responses?: Record<string, Response>;
}
interface Response {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, unknown>;
}

const segments = (path: string) => path.split("/").slice(1);
const isParameter = (segment: string) => /^\{[^}]+\}$/.test(segment);

/**
 * The path template a request path falls under, as API Gateway picks it: same number of
 * segments, literals equal, and a literal beats a parameter at the first place they differ.
 */
export function matchTemplate(templates: string[], path: string): string | undefined {
  const parts = segments(path);
  const candidates = templates.filter((template) => {
    const pattern = segments(template);
    return (
      pattern.length === parts.length &&
      pattern.every((segment, i) => (isParameter(segment) ? parts[i] !== "" : segment === parts[i]))
    );
  });
  const rank = (template: string) => segments(template).map((s) => (isParameter(s) ? 0 : 1));
  return candidates.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    const first = ra.findIndex((value, i) => value !== rb[i]);
    return first < 0 ? 0 : rb[first]! - ra[first]!;
  })[0];
}

export interface RecordedReply {
  status: number;
  headers: Headers;
  text: string;
}

/** Checks replies against the document; `check` returns what is wrong, or nothing. */
export function replyChecker(document: OpenApiDocument) {
  const schemas = documentSchemas(document);
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const templates = Object.keys(paths);

  return function check(method: string, path: string, reply: RecordedReply): string | undefined {
    const template = matchTemplate(templates, path);
    const verb = method.toLowerCase();
    const operation = template ? paths[template]?.[verb] : undefined;
    if (!template || !operation) {
      return `${method} ${path} is not a route of the OpenAPI document`;
    }
    const where = `${method} ${template} → ${reply.status}`;
    const responses = operation.responses ?? {};
    const key = [String(reply.status), `${String(reply.status)[0]}XX`, "default"].find(
      (candidate) => candidate in responses,
    );
    if (!key) {
      return `${where}: the document lists no such status (it lists ${Object.keys(responses).join(", ")}); body: ${reply.text.slice(0, 300)}`;
    }
    const documented = responses[key]!;
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (header.required && !reply.headers.has(name)) {
        return `${where}: the documented header ${name} is missing`;
      }
    }
    if (!documented.content) {
      return reply.text === "" ? undefined : `${where}: a body the document does not describe`;
    }
    const mediaType = reply.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    if (!(mediaType in documented.content)) {
      return `${where}: content-type "${mediaType}", the document has ${Object.keys(documented.content).join(", ")}`;
    }
    if (!mediaType.endsWith("json")) return undefined;
    const validate = schemas.schemaAt([
      "paths",
      template,
      verb,
      "responses",
      key,
      "content",
      mediaType,
      "schema",
    ]);
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      return `${where}: the body is not JSON: ${reply.text.slice(0, 300)}`;
    }
    if (validate(body)) return undefined;
    return `${where}: the body does not match the document: ${schemas.errorsText(validate)}; body: ${reply.text.slice(0, 600)}`;
  };
}
