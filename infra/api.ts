// The HTTP API. Every route gets its own function and links only what that handler touches, and
// a timeout from the time budget of what it does (core/time-budgets.ts).
import { TIME_BUDGETS } from "../core/time-budgets";
import { bedrockJobs } from "./bedrock";
import { httpHandler } from "./functions";
import {
  openRouterWebhookSecret,
  operatorKeys,
  providerBaseUrl,
  serverSecret,
  webhookSecret,
} from "./secrets";
import { toolsEnvironment } from "./tools";
import { codes, idempotencyKeys, jobs, limits, media, sessions, shares } from "./storage";
import { framesQueue, pollQueue, providerDeletes } from "./queues";

export const api = new sst.aws.ApiGatewayV2("Api");

// Health reports the reachability of table, bucket, queues and provider; it answers each client
// address only so often (Limits; the server secret checks the Router's word for the address).
api.route(
  "GET /api/health",
  httpHandler("functions/http/health.handler", [
    jobs,
    media,
    pollQueue,
    framesQueue,
    providerBaseUrl,
    limits,
    serverSecret,
  ]),
);

// The API described in OpenAPI 3.1, for anyone: it links nothing, as it reads nothing.
api.route("GET /api/openapi.json", httpHandler("functions/http/openapi.handler", []));

// Every video route resolves the caller (access codes are looked up by an HMAC under the server
// secret; the site's session cookie is checked against its record in Sessions; a credential not
// seen before costs its client address from a budget in Limits) and reads the library; those that
// reach a provider also get the OpenAI-compatible URL and the operator's keys (an access code
// runs on them; which providers are offered depends on which keys are set).
const caller = [codes, serverSecret, sessions, limits];
const library = [...caller, jobs, media];
const withProvider = [...library, ...operatorKeys, providerBaseUrl];
// Routes that start a job (or call a model) take from the caller's rate-limit budget (Limits too);
// starting a job also reserves an access code's seconds (Codes, linked to every route above),
// and tells providers that take a webhook URL per job where Takes' webhook route is (Api) —
// OpenRouter only when its signing secret is set. Bedrock is called with the route's own role.
// A client's retry with the same Idempotency-Key finds the job the first request made
// (IdempotencyKeys); a provider job Takes could not record is cancelled (ProviderDeletes).
const startsJob = [
  ...withProvider,
  pollQueue,
  api,
  openRouterWebhookSecret,
  idempotencyKeys,
  providerDeletes,
];
const startsJobs = { permissions: bedrockJobs, budget: TIME_BUDGETS.startVideo };

// The providers and models the caller can use; a brought key's account (e.g. Runway's credit
// balance) is asked of its provider.
api.route(
  "GET /api/providers",
  httpHandler("functions/http/providers/list.handler", [...caller, ...operatorKeys], {
    budget: TIME_BUDGETS.accountCheck,
  }),
);

api.route(
  "POST /api/videos",
  httpHandler("functions/http/videos/create.handler", startsJob, startsJobs),
);
api.route("GET /api/videos", httpHandler("functions/http/videos/list.handler", library));
api.route("GET /api/videos/{id}", httpHandler("functions/http/videos/get.handler", library));
api.route(
  "DELETE /api/videos/{id}",
  // The provider's copy is deleted afterwards, by the ProviderDeletes worker: never awaited here.
  httpHandler("functions/http/videos/delete.handler", [...library, providerDeletes]),
);
api.route(
  "POST /api/videos/{id}/remix",
  httpHandler("functions/http/videos/remix.handler", startsJob, startsJobs),
);
api.route(
  "GET /api/videos/{id}/frames/{frame}",
  httpHandler("functions/http/videos/frame.handler", library),
);

// Share links: creating and listing check the job is the caller's (Jobs); revoking names the
// share's owner and job in its condition. Reading a share is the site's /s/{token} page.
const sharing = [...caller, jobs, shares];
api.route(
  "POST /api/videos/{id}/shares",
  httpHandler("functions/http/shares/create.handler", sharing),
);
api.route(
  "GET /api/videos/{id}/shares",
  httpHandler("functions/http/shares/list.handler", sharing),
);
api.route(
  "DELETE /api/videos/{id}/shares/{token}",
  httpHandler("functions/http/shares/revoke.handler", [...caller, shares]),
);

// The text and image models answer while the person waits, under a deadline of their own
// (core/tools.ts): the tools' time budget, which leaves the Lambda just under API Gateway's 30 s.
// Which models serve them is the operator's choice (infra/tools.ts); a person's own key of a
// provider with such a model uses it, everyone else the operator's keys.
const tools = { budget: TIME_BUDGETS.tool, environment: toolsEnvironment };
const withModels = [...caller, ...operatorKeys, providerBaseUrl];

api.route(
  "POST /api/prompts/improve",
  httpHandler("functions/http/prompts/improve.handler", withModels, tools),
);
// Generated images are stored in the caller's library, so this one reaches the bucket too.
api.route(
  "POST /api/images",
  httpHandler("functions/http/images/create.handler", [...withModels, media], tools),
);

// Provider webhooks: no caller credential, the signature is the authentication.
api.route(
  "POST /api/webhooks/{provider}",
  httpHandler("functions/http/webhook.handler", [
    jobs,
    pollQueue,
    webhookSecret,
    openRouterWebhookSecret,
  ]),
);
