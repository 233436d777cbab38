import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Runtime } from "#local/runtime/index";
import { PNG_SIGNATURE } from "../fixtures/handlers/http";
import { fixture, stackModel } from "../support/stack-model";

// The HTTP API half of the local runtime: API Gateway v2 events for the real handler code path,
// its error replies, and the site behind it for everything that is not the API.

interface EchoBody {
  event: APIGatewayProxyEventV2;
  context: { functionName: string; awsRequestId: string; remainingMs: number };
}

const echo = fixture("http.echo");
const model = stackModel({
  routes: [
    { method: "GET", path: "/api/videos/{id}", fn: echo },
    { method: "GET", path: "/api/videos/latest", fn: fixture("http.plainObject") },
    { method: "POST", path: "/api/videos/{id}/upload", fn: echo },
    { method: "ANY", path: "/api/things/{proxy+}", fn: echo },
    { method: "GET", path: "/api/things/special", fn: fixture("http.plainObject") },
    { method: "GET", path: "/api/throws", fn: fixture("http.throws") },
    { method: "GET", path: "/api/slow", fn: fixture("http.slow", { timeout: 1 }) },
    { method: "GET", path: "/api/stuck", fn: fixture("http.slow", { timeout: 10 }) },
    { method: "GET", path: "/api/binary", fn: fixture("http.binary") },
    {
      method: "GET",
      path: "/api/environment",
      fn: fixture("http.environment", { environment: { TAKES_FIXTURE_SETTING: "declared" } }),
    },
  ],
});

/** Stands in for the SvelteKit server: reports what reached it, sets two cookies, redirects. */
function startDummySite(): Promise<Server> {
  const site = createServer(async (request, response) => {
    if (request.url === "/old") {
      response.writeHead(302, { location: "/new" }).end();
      return;
    }
    let bytes = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) bytes += chunk.length;
    response.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    response.setHeader("content-type", "application/json");
    response.end(
      JSON.stringify({ method: request.method, url: request.url, headers: request.headers, bytes }),
    );
  });
  return new Promise((resolve) => site.listen(0, "127.0.0.1", () => resolve(site)));
}

/** node:http, for what fetch cannot send: the same header twice. */
function sendRaw(url: string, headers: string[]) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    // Given raw headers, node:http leaves out the Host header it would add itself.
    const rawHeaders = ["host", new URL(url).host, ...headers];
    const outgoing = httpRequest(url, { headers: rawHeaders }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

let site: Server;
let runtime: Runtime;
const logs: string[] = [];

beforeAll(async () => {
  site = await startDummySite();
  runtime = await startRuntime({
    model,
    resources: {},
    port: 0,
    siteUrl: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    apiPathPrefix: "/api",
    integrationTimeoutMs: 1_500,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await runtime?.stop();
  await new Promise((resolve) => site?.close(resolve));
});

describe("API Gateway v2 events", () => {
  it("carry the route key, raw and parsed path, query, cookies and headers", async () => {
    const { status, body } = await sendRaw(`${runtime.url}/api/videos/abc%20d?x=1&x=2&y=z%21`, [
      "cookie",
      "a=1; b=2",
      "x-multi",
      "one",
      "x-multi",
      "two",
      "user-agent",
      "takes-test",
    ]);
    expect(status).toBe(201);
    const { event, context } = JSON.parse(body) as EchoBody;
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /api/videos/{id}",
      rawPath: "/api/videos/abc%20d",
      rawQueryString: "x=1&x=2&y=z%21",
      cookies: ["a=1", "b=2"],
      queryStringParameters: { x: "1,2", y: "z!" },
      pathParameters: { id: "abc d" },
      isBase64Encoded: false,
      requestContext: {
        accountId: "000000000000",
        domainName: new URL(runtime.url).host,
        http: {
          method: "GET",
          path: "/api/videos/abc%20d",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "takes-test",
        },
        routeKey: "GET /api/videos/{id}",
        stage: "$default",
      },
    });
    expect(event.headers).toMatchObject({
      "x-multi": "one,two",
      "x-forwarded-proto": "http",
      "x-forwarded-for": "127.0.0.1",
      host: new URL(runtime.url).host,
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.time).toMatch(
      /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
    );
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(context.functionName).toBe(echo.name);
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.remainingMs).toBeGreaterThan(0);
    expect(context.remainingMs).toBeLessThanOrEqual(echo.timeout * 1000);
  });

  it("map the structured response: status, headers, cookies as set-cookie, request id", async () => {
    const response = await fetch(`${runtime.url}/api/videos/abc`);
    expect(response.status).toBe(201);
    expect(response.headers.get("x-fixture")).toBe("echo");
    expect(response.headers.getSetCookie()).toEqual([
      "session=abc; Path=/; HttpOnly",
      "theme=dark; Path=/",
    ]);
    const { event } = (await response.json()) as EchoBody;
    expect(response.headers.get("apigw-requestid")).toBe(event.requestContext.requestId);
  });

  it("base64-encode a binary upload and keep a JSON body as text", async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    const binary = await fetch(`${runtime.url}/api/videos/v1/upload`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: bytes,
    });
    const { event: binaryEvent } = (await binary.json()) as EchoBody;
    expect(binaryEvent.routeKey).toBe("POST /api/videos/{id}/upload");
    expect(binaryEvent.isBase64Encoded).toBe(true);
    expect(Buffer.from(binaryEvent.body!, "base64")).toEqual(bytes);

    const form = new FormData();
    form.append("prompt", "a cat");
    const multipart = await fetch(`${runtime.url}/api/videos/v1/upload`, {
      method: "POST",
      body: form,
    });
    const { event: multipartEvent } = (await multipart.json()) as EchoBody;
    expect(multipartEvent.isBase64Encoded).toBe(true);
    expect(Buffer.from(multipartEvent.body!, "base64").toString()).toContain("a cat");

    const json = await fetch(`${runtime.url}/api/videos/v1/upload`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ prompt: "é" }),
    });
    const { event: jsonEvent } = (await json.json()) as EchoBody;
    expect(jsonEvent.isBase64Encoded).toBe(false);
    expect(JSON.parse(jsonEvent.body!)).toEqual({ prompt: "é" });
  });

  it("pick the most specific route: literal over parameter over greedy", async () => {
    const literal = await fetch(`${runtime.url}/api/videos/latest`);
    expect(await literal.json()).toEqual({ hello: "world" });

    const greedy = await fetch(`${runtime.url}/api/things/a/b%2Fc`, { method: "PATCH" });
    const { event } = (await greedy.json()) as EchoBody;
    expect(event.routeKey).toBe("ANY /api/things/{proxy+}");
    expect(event.pathParameters).toEqual({ proxy: "a/b/c" });

    const special = await fetch(`${runtime.url}/api/things/special`);
    expect(await special.json()).toEqual({ hello: "world" });
  });
});

describe("responses API Gateway makes itself", () => {
  it("a plain object result is a 200 JSON body", async () => {
    const response = await fetch(`${runtime.url}/api/videos/latest`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe('{"hello":"world"}');
  });

  it("a base64 body with isBase64Encoded is sent as bytes", async () => {
    const response = await fetch(`${runtime.url}/api/binary`);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual(PNG_SIGNATURE);
  });

  it("a handler that throws is a 500, and the error is logged", async () => {
    const response = await fetch(`${runtime.url}/api/throws`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
    expect(logs.join("\n")).toContain("fixture handler failed on purpose");
  });

  it("a handler that outlives its Lambda timeout is a function error: 500", async () => {
    const started = Date.now();
    const response = await fetch(`${runtime.url}/api/slow?ms=4000`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(logs.join("\n")).toContain("Task timed out after 1.00 seconds");
  });

  it("a handler that outlives the integration timeout is a 503", async () => {
    const response = await fetch(`${runtime.url}/api/stuck?ms=4000`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: "Service Unavailable" });
  });

  it("an unknown API route or method is a 404", async () => {
    for (const [method, path] of [
      ["GET", "/api/nope"],
      ["DELETE", "/api/videos/abc"],
    ] as const) {
      const response = await fetch(`${runtime.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: "Not Found" });
    }
  });

  it("a body over 10 MB is a 413; so is an event over Lambda's 6 MB", async () => {
    const tooBig = await fetch(`${runtime.url}/api/videos/v1/upload`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ message: "Request Entity Too Large" });

    // 5 MB of bytes is ~6.7 MB once base64-encoded into the event.
    const tooBigForLambda = await fetch(`${runtime.url}/api/videos/v1/upload`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.alloc(5 * 1024 * 1024),
    });
    expect(tooBigForLambda.status).toBe(413);
  });
});

describe("functions' environment", () => {
  it("is what the function declares (handlers share this process's environment)", async () => {
    const response = await fetch(`${runtime.url}/api/environment`);
    expect(await response.json()).toEqual({ setting: "declared" });
  });

  it("cannot differ between two functions, so a model where it does is refused", async () => {
    const conflicting = stackModel({
      routes: [
        {
          method: "GET",
          path: "/a",
          fn: fixture("http.environment", { name: "A", environment: { MODE: "a" } }),
        },
        {
          method: "GET",
          path: "/b",
          fn: fixture("http.environment", { name: "B", environment: { MODE: "b" } }),
        },
      ],
    });
    await expect(startRuntime({ model: conflicting, resources: {}, port: 0 })).rejects.toThrow(
      "A and B set MODE differently",
    );
  });
});

describe("the site behind the gateway", () => {
  it("gets every other request, with forwarded host and proto, and its cookies pass through", async () => {
    const response = await fetch(`${runtime.url}/library?tab=all`, { headers: { cookie: "s=1" } });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    const seen = (await response.json()) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe("/library?tab=all");
    expect(seen.headers).toMatchObject({
      cookie: "s=1",
      host: new URL(runtime.url).host,
      "x-forwarded-host": new URL(runtime.url).host,
      "x-forwarded-proto": "http",
    });
  });

  it("streams request bodies of any method, and leaves redirects to the browser", async () => {
    const upload = await fetch(`${runtime.url}/form`, {
      method: "PUT",
      body: Buffer.alloc(3_000_000),
    });
    expect(await upload.json()).toMatchObject({ method: "PUT", bytes: 3_000_000 });

    const redirect = await fetch(`${runtime.url}/old`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/new");
  });
});
