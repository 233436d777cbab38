// The HTTP API. Every route gets its own function and links only what that handler touches.
import { httpHandler } from "./functions";
import { providerBaseUrl } from "./secrets";
import { jobs, media } from "./storage";
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
