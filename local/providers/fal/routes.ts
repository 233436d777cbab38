/**
 * fal's HTTP surface under the mount's prefix, one folder per fal host (falBaseUrlMiddleware
 * maps the hosts onto them):
 *
 * - `/queue/...` is queue.fal.run: submit, status (and its SSE stream), result, cancel;
 * - `/run/...` is fal.run: the synchronous call, answering with the result;
 * - `/rest/...` is rest.fal.ai: storage upload initiation and the webhook JWKS;
 * - `/upload/{id}` and `/cdn/{id}/{name}` stand for fal's storage hosts: upload PUTs and file URLs.
 */
import type { IncomingHttpHeaders } from "node:http";
import { readFields, sendFile, sendJson, type RequestContext, type Route } from "../shared/http";
import { detailError, type Reply } from "./errors";
import type { Planner } from "./generation";
import type { RequestQueue } from "./queue";
import type { FileStore } from "./storage";
import type { WebhookSigner } from "./webhooks";

type FalRoute = Route & { public?: boolean };

/** The header `storageSettings.expiresIn` sets on submit (`X-Fal-Object-Lifecycle` on uploads). */
function lifetimeSeconds(headers: IncomingHttpHeaders, name: string): number | null {
  const raw = headers[name];
  if (raw === undefined) return null;
  const invalid = () =>
    detailError(
      400,
      `Invalid ${name} header: expected JSON {"expiration_duration_seconds": <seconds> | null}.`,
    );
  let preference: unknown;
  try {
    preference = JSON.parse(Array.isArray(raw) ? (raw[0] ?? "") : raw);
  } catch {
    throw invalid();
  }
  if (!preference || typeof preference !== "object") throw invalid();
  const seconds = (preference as Record<string, unknown>).expiration_duration_seconds;
  if (seconds === undefined || seconds === null) return null;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) throw invalid();
  return seconds;
}

function webhookUrl(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === "http:" || url.protocol === "https:") return url.toString();
  } catch {
    // refused below
  }
  throw detailError(400, "fal_webhook must be an http(s) URL.");
}

const REQUEST = "/queue/([^/]+)/([^/]+)/requests/([^/]+)";

export function falRoutes(
  queue: RequestQueue,
  files: FileStore,
  signer: WebhookSigner,
  plannerFor: (endpointId: string) => Planner | undefined,
): FalRoute[] {
  const reply = (res: RequestContext["res"], answer: Reply, requestId: string) =>
    sendJson(res, answer.status, answer.body, { ...answer.headers, "x-fal-request-id": requestId });

  async function submit(context: RequestContext) {
    const { req, url, owner, params } = context;
    const id = params.filter(Boolean).join("/");
    const plan = plannerFor(id);
    if (!plan) throw detailError(404, `Endpoint ${id} is not served by the provider emulator.`);
    const options = {
      lifetimeSeconds: lifetimeSeconds(req.headers, "x-fal-object-lifecycle-preference"),
      webhookUrl: webhookUrl(url.searchParams.get("fal_webhook")),
    };
    return queue.submit(owner, id, await plan(await readFields(req)), options);
  }

  return [
    {
      method: "POST",
      path: /^\/queue\/([^/]+)\/([^/]+)(?:\/(.+))?$/,
      async handle(context) {
        const submitted = await submit(context);
        sendJson(
          context.res,
          200,
          { status: "IN_QUEUE", ...submitted },
          { "x-fal-request-id": submitted.request_id },
        );
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${REQUEST}/status$`),
      async handle({ res, url, owner, params: [ownerName, app, id = ""] }) {
        const request = queue.find(owner, `${ownerName}/${app}`, id);
        const status = queue.status(request, url.searchParams.get("logs") === "1");
        // fal answers 202 until the request is done.
        sendJson(res, status.status === "COMPLETED" ? 200 : 202, status, {
          "x-fal-request-id": id,
        });
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${REQUEST}/status/stream$`),
      async handle({ res, url, owner, params: [ownerName, app, id = ""] }) {
        const request = queue.find(owner, `${ownerName}/${app}`, id);
        await queue.streamStatus(res, request, url.searchParams.get("logs") === "1");
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${REQUEST}$`),
      async handle({ res, owner, params: [ownerName, app, id = ""] }) {
        reply(res, queue.result(queue.find(owner, `${ownerName}/${app}`, id)), id);
      },
    },
    {
      method: "PUT",
      path: new RegExp(`^${REQUEST}/cancel$`),
      async handle({ res, owner, params: [ownerName, app, id = ""] }) {
        reply(res, queue.cancel(queue.find(owner, `${ownerName}/${app}`, id)), id);
      },
    },
    {
      method: "POST",
      path: /^\/run\/([^/]+)\/([^/]+)(?:\/(.+))?$/,
      async handle(context) {
        const { request_id: id } = await submit(context);
        const request = queue.find(context.owner, appOf(context.params), id);
        await queue.whenFinished(request);
        reply(context.res, queue.result(request), id);
      },
    },
    {
      method: "POST",
      path: /^\/rest\/storage\/upload\/initiate$/,
      async handle({ req, res }) {
        const { content_type: contentType, file_name: fileName } = await readFields(req);
        if (typeof contentType !== "string" || typeof fileName !== "string") {
          throw detailError(422, "content_type and file_name are required strings.");
        }
        const lifetime = lifetimeSeconds(req.headers, "x-fal-object-lifecycle");
        sendJson(res, 200, await files.initiate(fileName, contentType, lifetime));
      },
    },
    {
      method: "GET",
      path: /^\/rest\/\.well-known\/jwks\.json$/,
      public: true,
      async handle({ res }) {
        sendJson(res, 200, signer.jwks);
      },
    },
    {
      // The upload URL is the capability (a random id), like a signed storage URL: no key.
      method: "PUT",
      path: /^\/upload\/([0-9a-f]+)$/,
      public: true,
      async handle({ req, res, params: [id = ""] }) {
        await files.receive(id, req);
        res.writeHead(200, { "content-length": 0 }).end();
      },
    },
    {
      method: "GET",
      path: /^\/cdn\/([0-9a-f]+)\/([^/]+)$/,
      public: true,
      async handle({ res, params: [id = "", name = ""] }) {
        const file = files.live(id, name);
        if (!file) {
          // What a CDN says about a file that is gone: a bare 404, not an API error.
          res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
          return;
        }
        await sendFile(res, file.path, file.contentType);
      },
    },
  ];
}

const appOf = ([owner, app]: string[]) => `${owner}/${app}`;
