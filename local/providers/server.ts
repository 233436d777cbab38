/**
 * The provider emulator: every provider's API shape Takes speaks, on 127.0.0.1, with real MP4s,
 * injectable faults and signed webhooks, so Takes runs and is tested end to end without a provider
 * account. Each provider is mounted under its own path prefix (shared/mount.ts); they share one
 * renderer, so a burst of jobs on any of them queues for the same few ffmpeg slots.
 *
 * - OpenAI Videos shape: point the SDK at `${url}/v1`; any key starting `sk-` is accepted.
 * - Runway: point `@runwayml/sdk` at `${url}/runway`; any key starting `key_`; output URLs live
 *   `contentLifetimeSeconds` when set, else Runway's 24 h.
 * - fal's queue API under `${url}/fal`: `@fal-ai/client` with `falBaseUrlMiddleware(`${url}/fal`) (core/providers/fal.ts)`.
 * - Bedrock's async invoke (Luma Ray2) under `${url}/bedrock`: `@aws-sdk/client-bedrock-runtime`
 *   with `NodeHttpHandler` (HTTP/1.1), any SigV4 credentials; outputs go to `bedrockS3`'s bucket.
 * - OpenRouter: `@openrouter/sdk` with `serverURL: ${url}/openrouter/api/v1`; any `sk-or-v1-<hex>`
 *   key; content kept `contentLifetimeSeconds` (else 1 h); callbacks signed with `webhook.secret`.
 *
 * Test controls live under /_emulator (no auth, never faulted): `/_emulator/health`,
 * `/_emulator/{provider}/faults` (POST to set, DELETE to clear) and
 * `/_emulator/{provider}/expire/{id}` and `/_emulator/{provider}/revoked-keys` (POST `{key,
 * revoked}`: the provider refuses a revoked key with a 401 until it is restored); the provider may
 * be left out for `openai`.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { prettifyError, ZodError } from "zod";
import { bedrockEmulator, type BedrockS3Options } from "./bedrock";
import { falEmulator } from "./fal";
import { openaiEmulator } from "./openai";
import { openrouterEmulator } from "./openrouter";
import { runwayEmulator } from "./runway";
import type { Faults } from "./shared/faults";
import { RequestRefused, readFields, sendError, sendJson } from "./shared/http";
import { ownerOf, type EmulatorContext, type ProviderMount } from "./shared/mount";
import { Renderer } from "./shared/render";
import type { WebhookConfig } from "./shared/mount";

export interface ProviderEmulatorOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Loopback by default: the emulator accepts any key, so it must not face a network. */
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
  /** Where the OpenAI-shaped emulator sends its signed webhooks. */
  webhook?: WebhookConfig;
  /** The S3 endpoint Bedrock's outputs are written to; AWS_ENDPOINT_URL_S3 when absent. */
  bedrockS3?: BedrockS3Options;
}

export interface ProviderEmulator {
  url: string;
  close(): Promise<void>;
  setFaults(faults: Faults, provider?: string): void;
  clearFaults(provider?: string): void;
  /** Makes a finished job's files lapse now (OpenAI: expires_at moves into the past). */
  expire(id: string, provider?: string): unknown;
}

const realisticGenerationMs = (seconds: number) => 20_000 + 2_500 * seconds;

function generationTime(option: ProviderEmulatorOptions["generationMs"]) {
  if (typeof option === "function") return option;
  return (seconds: number) => option ?? realisticGenerationMs(seconds);
}

const DEFAULT_PROVIDER = "openai";

export async function createProviderEmulator(
  options: ProviderEmulatorOptions = {},
): Promise<ProviderEmulator> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "provider-emulator-")));
  await mkdir(dataDir, { recursive: true });

  const renderer = new Renderer();
  let url = "";
  const context = (name: string): EmulatorContext => ({
    // OpenAI's jobs keep the folder they always had; the others get one of their own.
    dataDir: name === DEFAULT_PROVIDER ? dataDir : join(dataDir, name),
    generationMs: generationTime(options.generationMs),
    contentLifetimeSeconds: options.contentLifetimeSeconds ?? 3600,
    renderer,
    baseUrl: () => url,
    webhook: options.webhook,
  });
  const mounts: ProviderMount[] = [
    await openaiEmulator(context("openai")),
    await runwayEmulator(context("runway"), {
      outputLifetimeSeconds: options.contentLifetimeSeconds,
    }),
    await falEmulator(context("fal")),
    await bedrockEmulator(context("bedrock"), { s3: options.bedrockS3 }),
    await openrouterEmulator(context("openrouter"), {
      retentionSeconds: options.contentLifetimeSeconds,
    }),
  ];

  const mountNamed = (name: string) => {
    const mount = mounts.find((candidate) => candidate.name === name);
    if (!mount) throw new RequestRefused(404, `No provider named ${name}.`);
    return mount;
  };

  /** Per provider, the owners (key hashes) whose key the provider was told to refuse. */
  const revokedOwners = new Map<string, Set<string>>();
  const revokedOf = (name: string) =>
    revokedOwners.get(name) ?? revokedOwners.set(name, new Set()).get(name)!;

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    if (req.method === "GET" && path === "/_emulator/health") {
      return sendJson(res, 200, { ok: true });
    }
    const control = /^\/_emulator\/(?:([a-z]+)\/)?(faults|revoked-keys|expire\/([^/]+))$/.exec(
      path,
    );
    if (!control) throw new RequestRefused(404, `No control at ${path}.`);
    const [, name = DEFAULT_PROVIDER, action = "", id] = control;
    const mount = mountNamed(name);
    if (action === "faults" && req.method === "POST") {
      try {
        mount.faults.set(await readFields(req));
      } catch (error) {
        if (error instanceof ZodError) {
          throw new RequestRefused(400, `Invalid faults: ${prettifyError(error)}`);
        }
        throw error;
      }
      return sendJson(res, 200, { ok: true });
    }
    if (action === "revoked-keys" && req.method === "POST") {
      const { key, revoked } = (await readFields(req)) as { key?: unknown; revoked?: unknown };
      if (typeof key !== "string" || typeof revoked !== "boolean") {
        throw new RequestRefused(400, "Send {key: string, revoked: boolean}.");
      }
      const owners = revokedOf(mount.name);
      if (revoked) owners.add(ownerOf(key));
      else owners.delete(ownerOf(key));
      return sendJson(res, 200, { ok: true });
    }
    if (action === "faults" && req.method === "DELETE") {
      mount.faults.clear();
      return sendJson(res, 200, { ok: true });
    }
    if (id !== undefined && req.method === "POST") {
      return sendJson(res, 200, mount.expire(decodeURIComponent(id)));
    }
    throw new RequestRefused(404, `No control at ${req.method} ${path}.`);
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    mount: ProviderMount,
  ) {
    const { faults } = mount;
    if (faults.slowMs > 0) await sleep(faults.slowMs);
    const path = url.pathname.slice(mount.prefix.length);
    for (const route of mount.routes) {
      const match = route.method === req.method ? route.path.exec(path) : null;
      if (!match) continue;
      const owner = route.public ? "" : mount.authenticate(req);
      if (revokedOf(mount.name).has(owner)) {
        throw new RequestRefused(401, "The API key provided has been revoked.");
      }
      const fault = route.public ? null : faults.takeRequestFault();
      if (fault) throw fault;
      const params = match.slice(1).map((param) => decodeURIComponent(param ?? ""));
      return route.handle({ req, res, url, owner, params });
    }
    // Like the real APIs, an unknown path is refused only after the key is checked.
    mount.authenticate(req);
    throw new RequestRefused(404, `Invalid URL (${req.method} ${url.pathname})`);
  }

  const server = createServer((req, res) => {
    // Like the providers' own, so SDK logs have a request id to show.
    res.setHeader("x-request-id", `req_${randomBytes(16).toString("hex")}`);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const mount = mounts.find(
      (candidate) =>
        url.pathname === candidate.prefix || url.pathname.startsWith(`${candidate.prefix}/`),
    );
    const handled = url.pathname.startsWith("/_emulator/")
      ? handleControl(req, res, url.pathname)
      : mount
        ? handleApi(req, res, url, mount)
        : Promise.reject(new RequestRefused(404, `Invalid URL (${req.method} ${url.pathname})`));
    const shape = (mount ?? mountNamed(DEFAULT_PROVIDER)).errors;
    handled.catch((error: unknown) => sendError(res, error, shape));
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
  url = `http://${host}:${port}`;

  return {
    url,
    setFaults: (faults, provider = DEFAULT_PROVIDER) => mountNamed(provider).faults.set(faults),
    clearFaults: (provider = DEFAULT_PROVIDER) => mountNamed(provider).faults.clear(),
    expire: (id, provider = DEFAULT_PROVIDER) => mountNamed(provider).expire(id),
    async close() {
      await Promise.all(mounts.map((mount) => mount.close()));
      await renderer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
