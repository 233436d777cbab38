// The SvelteKit site and the Router that serves it and the API from one origin, so the browser
// needs no CORS and the session cookie reaches /api.
import { CLIENT_ADDRESS_HEADER, ROUTER_PROOF_HEADER, routerProof } from "../core/client-address";
import { API_GATEWAY_LIMIT_SECONDS, TIME_BUDGETS } from "../core/time-budgets";
import { bucketAccess, queueAccess, tableAccess } from "./access";
import { api } from "./api";
import { startsBedrockJobs } from "./bedrock";
import { installsSharp, lambdaTimeout } from "./functions";
import { pollQueue, providerDeletes } from "./queues";
import { openRouterWebhookSecret, operatorKeys, providerBaseUrl, serverSecret } from "./secrets";
import { toolsEnvironment } from "./tools";
import { codes, idempotencyKeys, jobs, limits, media, sessions, shares } from "./storage";

// The viewer's own address, for the limits per address (core/client-address.ts): the API and the
// site's server see CloudFront's. Set here, overwriting whatever the client sent, with a proof
// derived from the server secret that only this Router sends.
const statesClientAddress = serverSecret.value.apply((secret) =>
  [
    `event.request.headers["${CLIENT_ADDRESS_HEADER}"] = { value: event.viewer.ip };`,
    `event.request.headers["${ROUTER_PROOF_HEADER}"] = { value: "${routerProof(secret)}" };`,
  ].join("\n"),
);

export const router = new sst.aws.Router("Router", {
  edge: { viewerRequest: { injection: statesClientAddress } },
  transform: {
    // CloudFront hands the origin only the headers the cache policy names, and SST's names neither
    // `Authorization` nor anything an API client sends: without it, bearer-token calls through the
    // Router would reach the API with no credential. Naming it also keys any cached answer by it.
    cachePolicy: (args) => {
      args.parametersInCacheKeyAndForwardedToOrigin = $resolve([
        args.parametersInCacheKeyAndForwardedToOrigin,
      ]).apply(([parameters]) => ({
        ...parameters,
        headersConfig: {
          ...parameters.headersConfig,
          headers: { items: [...(parameters.headersConfig.headers?.items ?? []), "authorization"] },
        },
      }));
    },
  },
});

// CloudFront waits 20 s for an origin unless told otherwise: as long as API Gateway waits, so a
// request inside its time budget (core/time-budgets.ts) is never cut off on the way back.
const waitAsLongAsTheApi = { readTimeout: `${API_GATEWAY_LIMIT_SECONDS} seconds` } as const;

router.route("/api", api.url, waitAsLongAsTheApi);

// Server routes call core/ directly, as the API's handlers do: they read the library (jobs, media
// URLs), resolve sign-ins (access codes, the server secret for owner ids and sealed sessions, and
// the sessions' records: sign-in starts one, every request checks it, sign-out ends it, "sign out
// everywhere" lists them), and their form actions create, remix and delete videos, improve
// prompts and make reference images, so they reach the providers (the OpenAI-compatible URL, the
// operator's keys for access codes, the API's URL for per-job webhooks) and the poll queue, and
// take from the caller's rate-limit budgets and their address's (Limits, which also remembers the
// owners it has seen) and an access code's seconds and tool budget (Codes). Signing in with a
// brought key resumes the jobs parked for it. The public /s/{token} page counts a view and plays
// the share's own copies (shared/), made on first view; the video page lists, makes and revokes
// links. The create form's retries find the job the first submit made (IdempotencyKeys); deleted
// videos are deleted at their provider afterwards (ProviderDeletes).
export const site = new sst.aws.SvelteKit("Site", {
  path: "site/",
  link: [
    tableAccess(
      jobs,
      ["GetItem", "PutItem", "UpdateItem", "DeleteItem"],
      ["byOwner", "byOwnerStatus", "byParent"],
    ),
    tableAccess(codes, ["GetItem", "UpdateItem"]),
    bucketAccess(media, {
      list: true,
      read: ["videos/*", "references/*", "drafts/*", "shared/*"],
      write: ["references/*", "drafts/*", "incoming/*", "shared/*"],
      remove: ["videos/*", "shared/*", "incoming/*", "references/*"],
    }),
    serverSecret,
    providerBaseUrl,
    ...operatorKeys,
    queueAccess(pollQueue, ["SendMessage"]),
    tableAccess(limits, ["GetItem", "UpdateItem", "PutItem"]),
    tableAccess(shares, ["GetItem", "PutItem", "UpdateItem"], ["byJob"]),
    tableAccess(sessions, ["GetItem", "PutItem", "DeleteItem", "Query"]),
    api,
    openRouterWebhookSecret,
    tableAccess(idempotencyKeys, ["GetItem", "UpdateItem"]),
    queueAccess(providerDeletes, ["SendMessage"]),
  ],
  // Its form actions start Bedrock jobs, with the site server's own role.
  permissions: startsBedrockJobs,
  // "Improve prompt" and "Generate image" wait on a model for longest (the tools' time budget,
  // core/time-budgets.ts): the default 20 s would cut them off. Its forms fit reference images.
  server: { timeout: lambdaTimeout(TIME_BUDGETS.tool), install: installsSharp },
  // The same choice of text and image models as the API's tool routes.
  environment: toolsEnvironment,
  // CloudFront waits for the site's server as long as its timeout (SST sets that itself).
  router: { instance: router },
});
