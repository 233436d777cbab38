import { loadStackModel } from "../infra/index";
import { startRuntime } from "./index";

/**
 * The local runtime as its own process (the local stack starts it). Handlers run here and see
 * this process's environment: AWS_ENDPOINT_URL_*, credentials, SST_RESOURCES_JSON.
 * Env: TAKES_RUNTIME_PORT (required), TAKES_SITE_URL (optional), SST_RESOURCES_JSON (required),
 * TAKES_SCHEDULE_INTERVAL_MS (optional, tests), AWS_REGION (default us-east-1).
 */
const port = Number(process.env.TAKES_RUNTIME_PORT);
if (!Number.isInteger(port)) throw new Error("TAKES_RUNTIME_PORT must be a port number");
if (!process.env.SST_RESOURCES_JSON) throw new Error("SST_RESOURCES_JSON is required");
const scheduleIntervalMs = process.env.TAKES_SCHEDULE_INTERVAL_MS;

const runtime = await startRuntime({
  model: await loadStackModel(),
  resources: JSON.parse(process.env.SST_RESOURCES_JSON) as Record<string, { url?: string }>,
  port,
  siteUrl: process.env.TAKES_SITE_URL || undefined,
  // One origin: /api/* is the HTTP API's (docs/design.md), so an unknown API path gets its 404.
  apiPathPrefix: "/api",
  region: process.env.AWS_REGION || undefined,
  scheduleIntervalMs: scheduleIntervalMs ? Number(scheduleIntervalMs) : undefined,
});
console.log(`runtime listening on ${runtime.url}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
