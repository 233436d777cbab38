// The HTTP API. Every route gets its own function and links only what that handler touches.
import { httpHandler } from "./functions";
import { providerBaseUrl, providerKey, serverSecret, webhookSecret } from "./secrets";
import { codes, jobs, media } from "./storage";
import { framesQueue, pollQueue } from "./queues";

export const api = new sst.aws.ApiGatewayV2("Api");

// Health reports the reachability of table, bucket, queues and provider.
api.route(
  "GET /api/health",
  httpHandler("functions/http/health.handler", [
    jobs,
    media,
    pollQueue,
    framesQueue,
    providerBaseUrl,
  ]),
);

// Every video route resolves the caller (access codes are looked up by an HMAC under the server
// secret) and reads the library; those that reach the provider also get its URL and the operator key.
const caller = [codes, serverSecret];
const library = [...caller, jobs, media];
const withProvider = [...library, providerKey, providerBaseUrl];

api.route(
  "POST /api/videos",
  httpHandler("functions/http/videos/create.handler", [...withProvider, pollQueue]),
);
api.route("GET /api/videos", httpHandler("functions/http/videos/list.handler", library));
api.route("GET /api/videos/{id}", httpHandler("functions/http/videos/get.handler", library));
api.route(
  "DELETE /api/videos/{id}",
  httpHandler("functions/http/videos/delete.handler", withProvider),
);
api.route(
  "POST /api/videos/{id}/remix",
  httpHandler("functions/http/videos/remix.handler", [...withProvider, pollQueue]),
);
api.route(
  "GET /api/videos/{id}/frames/{frame}",
  httpHandler("functions/http/videos/frame.handler", library),
);

// Provider webhooks: no caller credential, the signature is the authentication.
api.route(
  "POST /api/webhooks/{provider}",
  httpHandler("functions/http/webhook.handler", [jobs, pollQueue, webhookSecret]),
);
