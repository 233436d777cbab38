/**
 * OpenRouter's API shape under `/openrouter` (`@openrouter/sdk` with
 * `serverURL: ${url}/openrouter/api/v1`): the video API (submit, poll, download, the public model
 * listing, signed callbacks), chat completions and image generation. Any key of OpenRouter's
 * `sk-or-v1-<hex>` form is accepted.
 */
import { mkdir } from "node:fs/promises";
import { FaultInjector } from "../shared/faults";
import { RequestRefused } from "../shared/http";
import { ownerOf, type EmulatorContext, type ProviderMount } from "../shared/mount";
import { MISSING_KEY_MESSAGE, openrouterErrorShape, UNKNOWN_KEY_MESSAGE } from "./errors";
import { generationRoutes } from "./generations";
import { VideoJobs } from "./jobs";
import { videoRoutes } from "./routes";

export { OPENROUTER_VIDEO_MODELS } from "./models";

export interface OpenRouterEmulatorOptions {
  /**
   * How long a completed video's content can be downloaded; then the job reads `expired` and its
   * content answers 410. OpenRouter states no retention: 1 hour by default.
   */
  retentionSeconds?: number;
  /**
   * The workspace's webhook signing secret, used as is as the HMAC key of callbacks. Defaults to
   * the emulator's `webhook.secret`; without either, callbacks are sent unsigned.
   */
  webhookSecret?: string;
}

const PREFIX = "/openrouter";
const DEFAULT_RETENTION_SECONDS = 60 * 60;
const KEY_FORMAT = /^Bearer (sk-or-v1-[0-9a-f]+)$/;

export async function openrouterEmulator(
  context: EmulatorContext,
  options: OpenRouterEmulatorOptions = {},
): Promise<ProviderMount> {
  await mkdir(context.dataDir, { recursive: true });
  const faults = new FaultInjector();
  const jobs = new VideoJobs({
    dataDir: context.dataDir,
    generationMs: context.generationMs,
    renderer: context.renderer,
    faults,
    retentionSeconds: options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS,
    apiBase: () => `${context.baseUrl()}${PREFIX}/api/v1`,
    webhookSecret: options.webhookSecret ?? context.webhook?.secret,
  });
  return {
    name: "openrouter",
    prefix: PREFIX,
    errors: openrouterErrorShape,
    authenticate(req) {
      const header = req.headers.authorization;
      if (!header) throw new RequestRefused(401, MISSING_KEY_MESSAGE);
      const key = KEY_FORMAT.exec(header)?.[1];
      if (!key) throw new RequestRefused(401, UNKNOWN_KEY_MESSAGE);
      return ownerOf(key);
    },
    routes: [...videoRoutes(jobs), ...generationRoutes()],
    faults,
    expire: (id) => jobs.expire(id),
    async close() {
      jobs.close();
    },
  };
}
