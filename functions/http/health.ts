import { checkHealth } from "#core/health";
import { httpHandler, json } from "./respond";

/** GET /api/health — liveness plus the reachability of table, bucket, queues and provider. */
export const handler = httpHandler(async () => {
  const health = await checkHealth();
  return json(health.ok ? 200 : 503, health);
});
