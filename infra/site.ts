// The SvelteKit site and the Router that serves it and the API from one origin, so the browser
// needs no CORS and the session cookie reaches /api.
import { api } from "./api";
import { providerBaseUrl, serverSecret } from "./secrets";
import { codes, jobs, media } from "./storage";

export const router = new sst.aws.Router("Router");

router.route("/api", api.url);

// Server routes read the library directly: jobs, access codes (sign-in), media URLs, and the
// server secret for owner ids and sessions.
export const site = new sst.aws.SvelteKit("Site", {
  path: "site/",
  link: [jobs, codes, media, serverSecret, providerBaseUrl],
  router: { instance: router },
});
