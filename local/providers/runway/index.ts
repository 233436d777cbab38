/**
 * Runway's API shape (`@runwayml/sdk` pointed at `${url}/runway`): text and image to video, text
 * to image, tasks, the organisation's credits, and signed expiring output URLs. Any key starting
 * `key_` is accepted; every API request must say `X-Runway-Version: 2024-11-06`, as the real API
 * insists.
 */
import { FaultInjector } from "../shared/faults";
import { RequestRefused } from "../shared/http";
import { ownerOf, type EmulatorContext, type ProviderMount } from "../shared/mount";
import { badRequest, runwayErrorShape } from "./errors";
import { OutputUrls } from "./outputs";
import { taskRoutes } from "./routes";
import { TaskStore } from "./tasks";

export const RUNWAY_API_VERSION = "2024-11-06";
const PREFIX = "/runway";

export interface RunwayEmulatorOptions {
  /** How long an output URL works after the retrieve that minted it; Runway's live 24-48 h. */
  outputLifetimeSeconds?: number;
  /** Tasks of one model a key runs at once; more wait THROTTLED. */
  maxConcurrentTasks?: number;
}

const DEFAULT_OUTPUT_LIFETIME_SECONDS = 24 * 60 * 60;
const DEFAULT_MAX_CONCURRENT_TASKS = 2;

export async function runwayEmulator(
  context: EmulatorContext,
  options: RunwayEmulatorOptions = {},
): Promise<ProviderMount> {
  const faults = new FaultInjector();
  const outputs = new OutputUrls(
    () => `${context.baseUrl()}${PREFIX}`,
    options.outputLifetimeSeconds ?? DEFAULT_OUTPUT_LIFETIME_SECONDS,
  );
  const store = new TaskStore({
    dataDir: context.dataDir,
    generationMs: context.generationMs,
    renderer: context.renderer,
    faults,
    outputs,
    maxConcurrentTasks: options.maxConcurrentTasks ?? DEFAULT_MAX_CONCURRENT_TASKS,
  });
  return {
    name: "runway",
    prefix: PREFIX,
    errors: runwayErrorShape,
    authenticate(req) {
      const match = /^Bearer (key_\S+)$/.exec(req.headers.authorization ?? "");
      if (!match?.[1]) throw new RequestRefused(401, "Invalid API key.");
      const version = req.headers["x-runway-version"];
      if (version !== RUNWAY_API_VERSION) {
        throw badRequest(
          version === undefined
            ? `Missing X-Runway-Version header: set it to ${RUNWAY_API_VERSION}.`
            : `Unsupported X-Runway-Version ${JSON.stringify(version)}: use ${RUNWAY_API_VERSION}.`,
        );
      }
      return ownerOf(match[1]);
    },
    routes: taskRoutes(store),
    faults,
    expire: (id) => store.expire(id),
    async close() {
      store.close();
    },
  };
}
