// The HTTP API. Every route gets its own function, linked to what that handler touches and allowed
// only the actions its code takes there (./access.ts), with a timeout from the time budget of what
// it does (core/time-budgets.ts).
import { TIME_BUDGETS } from "../core/time-budgets";
import { bucketAccess, queueAccess, tableAccess } from "./access";
import { startsBedrockJobs } from "./bedrock";
import { httpHandler, installsSharp } from "./functions";
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
    tableAccess(jobs, ["DescribeTable"]),
    bucketAccess(media, { list: true }),
    queueAccess(pollQueue, ["GetQueueAttributes"]),
    queueAccess(framesQueue, ["GetQueueAttributes"]),
    providerBaseUrl,
    tableAccess(limits, ["GetItem", "UpdateItem"]),
    serverSecret,
  ]),
);

// The API described in OpenAPI 3.1, for anyone: it links nothing, as it reads nothing.
api.route("GET /api/openapi.json", httpHandler("functions/http/openapi.handler", []));

// Every video route resolves the caller (functions/http/request.ts): an access code is read by
// its HMAC under the server secret; the site's session cookie is checked against its record in
// Sessions, which is ended once its credential stops working; a credential not seen before costs
// its client address from a budget in Limits, and is then remembered there. Those that reach a
// provider also get the OpenAI-compatible URL and the operator's keys (an access code runs on
// them; which providers are offered depends on which keys are set).
const sessionCheck = tableAccess(sessions, ["GetItem", "DeleteItem"]);
/** The address budgets and the owners seen; routes that call a model take their own from it too. */
const budgets = tableAccess(limits, ["GetItem", "UpdateItem", "PutItem"]);
const caller = [tableAccess(codes, ["GetItem"]), serverSecret, sessionCheck, budgets];
/** A job's folder in the bucket (core/media/layout.ts): its video, thumbnail, sprite and frames. */
const JOB_FILES = "videos/*";

// The providers and models the caller can use; a brought key's account (e.g. Runway's credit
// balance) is asked of its provider.
api.route(
  "GET /api/providers",
  httpHandler("functions/http/providers/list.handler", [...caller, ...operatorKeys], {
    budget: TIME_BUDGETS.accountCheck,
  }),
);

// Starting a job takes from the caller's rate-limit budget (Limits) and reserves an access code's
// seconds (Codes); a client's retry with the same Idempotency-Key finds the job the first request
// made (IdempotencyKeys). It tells providers that take a webhook URL per job where Takes' webhook
// route is (Api; OpenRouter only when its signing secret is set), queues the first poll, and has
// the provider cancel a job Takes could not record (ProviderDeletes).
const startsJob = [
  tableAccess(codes, ["GetItem", "UpdateItem"]),
  serverSecret,
  sessionCheck,
  budgets,
  tableAccess(idempotencyKeys, ["GetItem", "UpdateItem"]),
  ...operatorKeys,
  providerBaseUrl,
  api,
  openRouterWebhookSecret,
  queueAccess(pollQueue, ["SendMessage"]),
  queueAccess(providerDeletes, ["SendMessage"]),
];
const startBudget = { budget: TIME_BUDGETS.startVideo };

// A new video may start or end on an image: uploaded (Takes keeps its own copy under references/)
// or one already stored (a generated draft, a kept reference or a video's frame), read to fit it
// to the video's size (with sharp). Bedrock writes its video into the bucket itself (incoming/), called with
// the route's own role. A retried request shows the job the first one made, with its media.
api.route(
  "POST /api/videos",
  httpHandler(
    "functions/http/videos/create.handler",
    [
      ...startsJob,
      tableAccess(jobs, ["PutItem", "GetItem"]),
      bucketAccess(media, {
        list: true,
        read: [JOB_FILES, "references/*", "drafts/*"],
        write: ["references/*", "incoming/*"],
      }),
    ],
    { ...startBudget, permissions: startsBedrockJobs, nodejs: { install: installsSharp } },
  ),
);
// A remix starts from the parent job's own video at its provider (Bedrock has no remix).
api.route(
  "POST /api/videos/{id}/remix",
  httpHandler(
    "functions/http/videos/remix.handler",
    [
      ...startsJob,
      tableAccess(jobs, ["PutItem", "GetItem"]),
      bucketAccess(media, { read: [JOB_FILES] }),
    ],
    startBudget,
  ),
);

// Reading the library: the caller's jobs newest first (optionally one status), or one job, with
// short-lived URLs of their files.
api.route(
  "GET /api/videos",
  httpHandler("functions/http/videos/list.handler", [
    ...caller,
    tableAccess(jobs, [], ["byOwner", "byOwnerStatus"]),
    bucketAccess(media, { read: [JOB_FILES] }),
  ]),
);
api.route(
  "GET /api/videos/{id}",
  httpHandler("functions/http/videos/get.handler", [
    ...caller,
    tableAccess(jobs, ["GetItem"]),
    bucketAccess(media, { read: [JOB_FILES] }),
  ]),
);
api.route(
  "GET /api/videos/{id}/frames/{frame}",
  httpHandler("functions/http/videos/frame.handler", [
    ...caller,
    tableAccess(jobs, ["GetItem"]),
    bucketAccess(media, { read: ["videos/*/first.png", "videos/*/last.png"] }),
  ]),
);
// Deleting a job deletes its folder, its share copies, what a provider wrote for it and the
// images it kept. The provider's copy is deleted afterwards, by the ProviderDeletes worker.
api.route(
  "DELETE /api/videos/{id}",
  httpHandler("functions/http/videos/delete.handler", [
    ...caller,
    tableAccess(jobs, ["DeleteItem"]),
    bucketAccess(media, {
      list: true,
      remove: [JOB_FILES, "shared/*", "incoming/*", "references/*"],
    }),
    queueAccess(providerDeletes, ["SendMessage"]),
  ]),
);

// Share links: creating and listing check the job is the caller's (Jobs); revoking names the
// share's owner and job in its condition. Reading a share is the site's /s/{token} page.
api.route(
  "POST /api/videos/{id}/shares",
  httpHandler("functions/http/shares/create.handler", [
    ...caller,
    tableAccess(jobs, ["GetItem"]),
    tableAccess(shares, ["PutItem"]),
  ]),
);
api.route(
  "GET /api/videos/{id}/shares",
  httpHandler("functions/http/shares/list.handler", [
    ...caller,
    tableAccess(jobs, ["GetItem"]),
    tableAccess(shares, [], ["byJob"]),
  ]),
);
api.route(
  "DELETE /api/videos/{id}/shares/{token}",
  httpHandler("functions/http/shares/revoke.handler", [
    ...caller,
    tableAccess(shares, ["UpdateItem"]),
  ]),
);

// The text and image models answer while the person waits, under a deadline of their own
// (core/tools.ts): the tools' time budget, which leaves the Lambda just under API Gateway's 30 s.
// Which models serve them is the operator's choice (infra/tools.ts); a person's own key of a
// provider with such a model uses it, everyone else the operator's keys, within their rate limit
// (Limits) and an access code's tool budget (Codes).
const tools = { budget: TIME_BUDGETS.tool, environment: toolsEnvironment };
const withModels = [
  tableAccess(codes, ["GetItem", "UpdateItem"]),
  serverSecret,
  sessionCheck,
  budgets,
  ...operatorKeys,
  providerBaseUrl,
];

api.route(
  "POST /api/prompts/improve",
  httpHandler("functions/http/prompts/improve.handler", withModels, tools),
);
// Generated images (checked and fitted with sharp) wait in the caller's drafts until a video uses
// one.
api.route(
  "POST /api/images",
  httpHandler(
    "functions/http/images/create.handler",
    [...withModels, bucketAccess(media, { read: ["drafts/*"], write: ["drafts/*"] })],
    { ...tools, nodejs: { install: installsSharp } },
  ),
);

// Provider webhooks: no caller credential, the signature is the authentication. The job is found
// by its provider's job id and polled at once.
api.route(
  "POST /api/webhooks/{provider}",
  httpHandler("functions/http/webhook.handler", [
    tableAccess(jobs, [], ["byProviderJob"]),
    queueAccess(pollQueue, ["SendMessage"]),
    webhookSecret,
    openRouterWebhookSecret,
  ]),
);
