/**
 * fal's queue API for video and image models, under `/fal`: submit, status (polled or streamed),
 * result, cancel, fal.run, storage uploads, a CDN for the outputs, and ED25519-signed webhooks.
 * Point `@fal-ai/client` at it with `requestMiddleware: falBaseUrlMiddleware(`${url}/fal`)` from
 * core/providers/fal.ts, the hook Takes' adapter itself uses with TAKES_FAL_URL.
 * Any key of fal's `<key_id>:<key_secret>` form is accepted.
 */
import { mkdir } from "node:fs/promises";
import { FaultInjector } from "../shared/faults";
import { RequestRefused } from "../shared/http";
import { ownerOf, type EmulatorContext, type ProviderMount } from "../shared/mount";
import { falErrorShape } from "./errors";
import { falPlanners } from "./generation";
import { falResultRetentionSeconds, RequestQueue } from "./queue";
import { falRoutes } from "./routes";
import { FileStore } from "./storage";
import { WebhookSigner } from "./webhooks";

export {
  FAL_IMAGE_ENDPOINTS,
  FAL_VIDEO_ENDPOINTS,
  type FalImageEndpoint,
  type FalVideoEndpoint,
} from "./endpoints";

export interface FalEmulatorOptions {
  /**
   * How long a completed request's result can be fetched, from the size of its JSON body.
   * fal's rule by default: 1 hour, 6 minutes for 10 KB or more.
   */
  resultRetentionSeconds?: (resultBytes: number) => number;
}

const KEY_FORMAT = /^Key ([^:\s]+:[^:\s]+)$/;

export async function falEmulator(
  context: EmulatorContext,
  options: FalEmulatorOptions = {},
): Promise<ProviderMount> {
  await mkdir(context.dataDir, { recursive: true });
  const faults = new FaultInjector();
  const files = new FileStore(context.dataDir, context.baseUrl);
  const signer = new WebhookSigner();
  const queue = new RequestQueue({
    dataDir: context.dataDir,
    generationMs: context.generationMs,
    faults,
    files,
    signer,
    resultRetentionSeconds: options.resultRetentionSeconds ?? falResultRetentionSeconds,
  });
  return {
    name: "fal",
    prefix: "/fal",
    errors: falErrorShape,
    authenticate(req) {
      const key = KEY_FORMAT.exec(req.headers.authorization ?? "")?.[1];
      if (!key) {
        // fal's own words for a key that is not `<key_id>:<key_secret>`.
        throw new RequestRefused(
          401,
          "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.",
        );
      }
      return ownerOf(key);
    },
    routes: falRoutes(queue, files, signer, falPlanners(context.renderer, files.readImage)),
    faults,
    expire: (id) => queue.expire(id),
    async close() {
      queue.close();
    },
  };
}
