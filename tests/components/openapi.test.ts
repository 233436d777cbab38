// The OpenAPI document against what infra/ declares and against OpenAPI 3.1 itself. The replies
// are checked against it in the integration tests (tests/support/api.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "#functions/http/openapi";
import { openApiDocument } from "#functions/http/openapi/document";
import { loadStackModel } from "#local/infra/index";
import type { StackModel } from "#local/infra/model";
import { documentSchemas, matchTemplate, METHODS } from "#tests/support/openapi";

const document = openApiDocument();

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema: unknown;
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: Record<string, unknown> }
  >;
}

/** Every operation, with where it sits: [path, method, operation]. */
const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Operation>)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => [path, method, operation] as const),
);

let model: StackModel;
beforeAll(async () => {
  model = await loadStackModel();
});

describe("the OpenAPI document", () => {
  it("describes every route in infra/, with its method, and nothing else", () => {
    const documented = operations.map(([path, method]) => `${method.toUpperCase()} ${path}`);
    const declared = model.routes.map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(declared.sort());
  });

  it("asks a credential exactly where the handler can resolve one (it links the access codes)", () => {
    for (const route of model.routes) {
      const operation = (document.paths![route.path] as Record<string, Operation>)[
        route.method.toLowerCase()
      ]!;
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      const authenticates = route.fn.link.includes("Codes");
      expect(schemes, `${route.method} ${route.path}`).toEqual(
        authenticates ? ["credential", "session"] : [],
      );
      if (authenticates) expect(Object.keys(operation.responses)).toContain("401");
    }
  });

  it("is OpenAPI 3.1 in shape: ids, parameters, statuses, references, security schemes", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    const ids = operations.map(([, , operation]) => operation.operationId);
    expect(new Set(ids).size, "operationIds are unique").toBe(operations.length);
    const schemes = Object.keys(document.components?.securitySchemes ?? {});
    for (const [path, method, operation] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.operationId, where).toMatch(/^[A-Za-z]+$/);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const inPath = (operation.parameters ?? []).filter((parameter) => parameter.in === "path");
      expect(inPath.map((parameter) => parameter.name).sort(), where).toEqual(templated.sort());
      for (const parameter of inPath) expect(parameter.required, where).toBe(true);
      for (const parameter of operation.parameters ?? []) {
        expect(["path", "query", "header", "cookie"], where).toContain(parameter.in);
      }
      expect(Object.keys(operation.responses).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status, where).toMatch(/^(?:[1-5](?:\d\d|XX)|default)$/);
        expect(response.description, `${where} ${status}`).toBeTruthy();
      }
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement)) expect(schemes, where).toContain(scheme);
      }
    }
    const references = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map(
      (match) => match[1]!,
    );
    expect(references.length).toBeGreaterThan(0);
    const componentSchemas = document.components?.schemas ?? {};
    for (const reference of references) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(reference)?.[1];
      expect(name && name in componentSchemas, reference).toBe(true);
    }
  });

  it("compiles every schema as JSON Schema 2020-12, OpenAPI 3.1's dialect, in strict mode", () => {
    const { schemaAt } = documentSchemas(document);
    const pointers: string[][] = Object.keys(document.components?.schemas ?? {}).map((name) => [
      "components",
      "schemas",
      name,
    ]);
    for (const [path, method, operation] of operations) {
      const at = ["paths", path, method];
      (operation.parameters ?? []).forEach((_, index) =>
        pointers.push([...at, "parameters", String(index), "schema"]),
      );
      for (const mediaType of Object.keys(operation.requestBody?.content ?? {})) {
        pointers.push([...at, "requestBody", "content", mediaType, "schema"]);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const mediaType of Object.keys(response.content ?? {})) {
          pointers.push([...at, "responses", status, "content", mediaType, "schema"]);
        }
        for (const header of Object.keys(response.headers ?? {})) {
          pointers.push([...at, "responses", status, "headers", header, "schema"]);
        }
      }
    }
    expect(pointers.length).toBeGreaterThan(50);
    for (const pointer of pointers) {
      expect(() => schemaAt(pointer), pointer.join(" > ")).not.toThrow();
    }
  });

  it("is served as JSON at GET /api/openapi.json, as the schemas make it today", async () => {
    const reply = await handler();
    expect(reply.statusCode).toBe(200);
    expect(reply.headers?.["content-type"]).toBe("application/json");
    expect(
      JSON.parse(String(reply.body)),
      "functions/http/openapi/served.ts is out of date: npm run openapi",
    ).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe("matching a request path to the document's path templates", () => {
  const templates = Object.keys(document.paths ?? {});

  it.each([
    ["/api/videos", "/api/videos"],
    ["/api/videos/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/api/videos/{id}"],
    ["/api/videos/not-an-id", "/api/videos/{id}"],
    ["/api/videos/..%2F..%2Fetc", "/api/videos/{id}"],
    ["/api/videos/x/frames/last", "/api/videos/{id}/frames/{frame}"],
    ["/api/videos/x/shares/t", "/api/videos/{id}/shares/{token}"],
    ["/api/openapi.json", "/api/openapi.json"],
  ])("%s is %s", (path, template) => {
    expect(matchTemplate(templates, path)).toBe(template);
  });

  it("prefers a literal segment to a parameter, as API Gateway does", () => {
    expect(matchTemplate(["/a/{x}/c", "/a/b/{y}"], "/a/b/c")).toBe("/a/b/{y}");
  });

  it.each(["/api/videos/x/nope", "/api/videos//remix", "/api", "/api/videos/x/frames"])(
    "%s is no route",
    (path) => {
      expect(matchTemplate(templates, path)).toBeUndefined();
    },
  );
});
