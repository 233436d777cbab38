/**
 * The provider emulator: OpenAI's Videos API shape (plus images and responses) on 127.0.0.1, with
 * real MP4s, injectable faults and signed webhooks, so Takes runs and is tested end to end without
 * a provider account. Point the SDK at `${url}/v1`; any key starting `sk-` is accepted.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { prettifyError, ZodError } from "zod";
import { badRequest, invalidApiKey, routeNotFound } from "./errors";
import { FaultInjector, type Faults } from "./faults";
import { readFields, sendError, sendJson, type Route } from "./http";
import { imageRoutes } from "./images";
import { Renderer } from "./render";
import { responseRoutes } from "./responses";
import { videoRoutes } from "./routes/videos";
import { VideoStore, type Video } from "./videos";
import type { WebhookConfig } from "./webhooks";

export interface ProviderEmulatorOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Loopback by default: the emulator accepts any sk- key, so it must not face a network. */
  host?: string;
  /** Where rendered files go; a temporary folder (removed on close) when absent. */
  dataDir?: string;
  /**
   * How long a job takes, in ms: the same for every job, or per job from its length (asked once,
   * at create). By default what sora-2 took: 20 s plus 2.5 s per second of video.
   */
  generationMs?: number | ((seconds: number) => number);
  /** How long content stays downloadable after completion (OpenAI: about an hour). */
  contentLifetimeSeconds?: number;
  webhook?: WebhookConfig;
}

export interface ProviderEmulator {
  url: string;
  close(): Promise<void>;
  setFaults(faults: Faults): void;
  clearFaults(): void;
  /** Moves a video's expires_at into the past, so its content answers 404. */
  expire(videoId: string): Video;
}

const realisticGenerationMs = (seconds: number) => 20_000 + 2_500 * seconds;

function generationTime(option: ProviderEmulatorOptions["generationMs"]) {
  if (typeof option === "function") return option;
  return (seconds: number) => option ?? realisticGenerationMs(seconds);
}

/** Keys are never kept or logged; videos are scoped by this hash of them. */
const ownerOf = (apiKey: string) => createHash("sha256").update(apiKey).digest("hex");

function apiKeyOf(req: IncomingMessage): string | null {
  const match = /^Bearer (sk-\S+)$/.exec(req.headers.authorization ?? "");
  return match?.[1] ?? null;
}

export async function createProviderEmulator(
  options: ProviderEmulatorOptions = {},
): Promise<ProviderEmulator> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "provider-emulator-")));
  await mkdir(dataDir, { recursive: true });

  const faults = new FaultInjector();
  const renderer = new Renderer();
  const store = new VideoStore({
    dataDir,
    generationMs: generationTime(options.generationMs),
    contentLifetimeSeconds: options.contentLifetimeSeconds ?? 3600,
    faults,
    renderer,
    webhook: options.webhook,
  });
  const routes: Route[] = [...videoRoutes(store), ...imageRoutes(), ...responseRoutes()];

  /** Test controls under /_emulator: no auth, never faulted. */
  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    if (req.method === "GET" && path === "/_emulator/health")
      return sendJson(res, 200, { ok: true });
    if (path === "/_emulator/faults" && req.method === "POST") {
      try {
        faults.set(await readFields(req));
      } catch (error) {
        if (error instanceof ZodError) throw badRequest(`Invalid faults: ${prettifyError(error)}`);
        throw error;
      }
      return sendJson(res, 200, { ok: true });
    }
    if (path === "/_emulator/faults" && req.method === "DELETE") {
      faults.clear();
      return sendJson(res, 200, { ok: true });
    }
    const expire = /^\/_emulator\/expire\/([^/]+)$/.exec(path);
    if (expire && req.method === "POST") return sendJson(res, 200, store.expire(expire[1] ?? ""));
    throw routeNotFound(req.method ?? "", path);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (faults.slowMs > 0) await sleep(faults.slowMs);
    const apiKey = apiKeyOf(req);
    if (!apiKey) throw invalidApiKey();
    const fault = faults.takeRequestFault();
    if (fault) throw fault;

    const path = url.pathname.slice("/v1".length);
    for (const route of routes) {
      const match = route.method === req.method ? route.path.exec(path) : null;
      if (!match) continue;
      const params = match.slice(1).map((param) => decodeURIComponent(param));
      return route.handle({ req, res, url, owner: ownerOf(apiKey), params });
    }
    throw routeNotFound(req.method ?? "", url.pathname);
  }

  const server = createServer((req, res) => {
    // Like OpenAI's, so the SDK's `requestID` and logs have something to show.
    res.setHeader("x-request-id", `req_${randomBytes(16).toString("hex")}`);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const handled = url.pathname.startsWith("/_emulator/")
      ? handleControl(req, res, url.pathname)
      : url.pathname === "/v1" || url.pathname.startsWith("/v1/")
        ? handleApi(req, res, url)
        : Promise.reject(routeNotFound(req.method ?? "", url.pathname));
    handled.catch((error: unknown) => sendError(res, error));
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    setFaults: (input) => faults.set(input),
    clearFaults: () => faults.clear(),
    expire: (videoId) => store.expire(videoId),
    async close() {
      store.close();
      await renderer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
