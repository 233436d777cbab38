// The SvelteKit site and the Router that serves it and the API from one origin, so the browser
// needs no CORS and the session cookie reaches /api.
import { api } from "./api";
import { bedrockJobs } from "./bedrock";
import { pollQueue } from "./queues";
import { openRouterWebhookSecret, operatorKeys, providerBaseUrl, serverSecret } from "./secrets";
import { toolsEnvironment } from "./tools";
import { codes, jobs, limits, media, shares } from "./storage";

export const router = new sst.aws.Router("Router");

router.route("/api", api.url);

// Server routes call core/ directly, as the API's handlers do: they read the library (jobs, media
// URLs), resolve sign-ins (access codes, the server secret for owner ids and sealed sessions), and
// their form actions create, remix and delete videos, improve prompts and make reference images,
// so they reach the providers (the OpenAI-compatible URL, the operator's keys for access codes,
// the API's URL for per-job webhooks) and the poll queue, and take from the caller's rate-limit
// budgets (Limits). The public /s/{token} page and the video
// page's share links read and write Shares.
export const site = new sst.aws.SvelteKit("Site", {
  path: "site/",
  link: [
    jobs,
    codes,
    media,
    serverSecret,
    providerBaseUrl,
    ...operatorKeys,
    pollQueue,
    limits,
    shares,
    api,
    openRouterWebhookSecret,
  ],
  // Its form actions start Bedrock jobs, with the site server's own role.
  permissions: bedrockJobs,
  // "Improve prompt" and "Generate image" wait on a model for up to 25 s
  // (core/providers/openai-client.ts): the default 20 s would cut them off.
  server: { timeout: "30 seconds" },
  // The same choice of text and image models as the API's tool routes.
  environment: toolsEnvironment,
  router: { instance: router },
});
