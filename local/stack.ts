import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { ensureAccessCode } from "#core/access-codes";
import { ffmpegPath } from "#core/media/ffmpeg";
import { startDynamoDb } from "./aws/dynamodb";
import { loadStackModel } from "./infra/index";
import { resourcesJson } from "./link";
import { ensureResources, localBucketName } from "./aws/resources";
import { loadLocalSecrets, providerRouting } from "./secrets";
import { assertPortFree, startService, type Service } from "./services";
import type { StackModel } from "./infra/model";

export const repoRoot = resolve(import.meta.dirname, "..");

/** The demo access code's quota: ten minutes of video, plenty to try everything. */
export const DEMO_QUOTA_SECONDS = 600;

/** The demo access code's tool budget: two hundred prompt improvements, or forty images. */
export const DEMO_TOOL_USES = 200;

export interface StackOptions {
  /** The one origin: http://127.0.0.1:<port>. The other servers take the next four ports. */
  port?: number;
  dataDir?: string;
  /** Echo every server's output, prefixed with its name. */
  echo?: boolean;
  /** How long the provider emulator takes to "generate" a video, in ms. */
  providerGenerationMs?: number;
  /** How long the emulator keeps a finished video downloadable, in seconds. */
  providerContentLifetimeSeconds?: number;
  /** Run scheduled handlers this often instead of their declared rate (tests). */
  scheduleIntervalMs?: number;
  /** The site's build folder under site/ (default TAKES_SITE_BUILD or "build"). */
  siteBuild?: string;
  /** How long a copier holds a job before another may take over (crash tests). */
  copyLeaseMs?: number;
}

export interface Stack {
  url: string;
  demoAccessCode: string;
  providerUrl: string;
  awsUrl: string;
  dynamoDbUrl: string;
  model: StackModel;
  dataDir: string;
  logDir: string;
  /** The environment the handlers run with: endpoints, credentials and SST resources. */
  env: Record<string, string>;
  /** Stops the runtime child at once (SIGKILL, like a crashed Lambda host) — for crash tests. */
  crashRuntime(): Promise<void>;
  startRuntime(): Promise<void>;
  stop(): Promise<void>;
}

const node = (script: string) => ({ command: process.execPath, args: ["--import", "tsx", script] });

const SITE_SOURCES = ["site/src", "site/svelte.config.js", "site/vite.config.ts", "core"];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...readdirSync(path).map((entry) => newestMtime(join(path, entry))),
  );
}

/** Whether a site build, known by a file it writes (`builtFile`), is older than what it reads. */
export function siteBuildIsStale(builtFile: string): boolean {
  const sources = Math.max(...SITE_SOURCES.map((path) => newestMtime(join(repoRoot, path))));
  return newestMtime(builtFile) <= sources;
}

/**
 * Builds the site into `site/<build>` when its sources changed since that build was made. The
 * folder name (TAKES_SITE_BUILD) keeps test builds apart from the one a running `npm start` serves.
 */
export function buildSiteIfStale(build: string, echo: boolean) {
  if (!siteBuildIsStale(join(repoRoot, "site", build, "index.js"))) return;
  if (echo) console.log("building the site…");
  // site/tsconfig.json extends the default output folder's tsconfig, which only `svelte-kit sync`
  // writes: a fresh checkout building into another folder (build-test) would not find it.
  if (!existsSync(join(repoRoot, "site/.svelte-kit/tsconfig.json"))) {
    const sync = spawnSync(
      process.execPath,
      [join(repoRoot, "node_modules/@sveltejs/kit/svelte-kit.js"), "sync"],
      {
        cwd: join(repoRoot, "site"),
        env: { ...process.env, TAKES_SITE_BUILD: "build" },
        encoding: "utf8",
      },
    );
    if (sync.status !== 0) throw new Error(`svelte-kit sync failed:\n${sync.stdout}${sync.stderr}`);
  }
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, "node_modules/vite/bin/vite.js"), "build"],
    {
      cwd: join(repoRoot, "site"),
      env: { ...process.env, TAKES_SITE_BUILD: build },
      stdio: echo ? "inherit" : "pipe",
      encoding: "utf8",
    },
  );
  if (result.status !== 0) {
    throw new Error(`The site failed to build:\n${result.stdout ?? ""}${result.stderr ?? ""}`);
  }
}

/**
 * Starts the whole of Takes on loopback: DynamoDB Local, fauxqs (S3 + SQS), the provider
 * emulator, the local runtime (API, queues, S3 events, schedules) and the site, behind one origin.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const port = options.port ?? 3000;
  const ports = { site: port + 1, provider: port + 2, aws: port + 3, dynamodb: port + 4 };
  const dataDir = resolve(options.dataDir ?? join(repoRoot, ".takes"));
  const logDir = join(dataDir, "logs");
  const echo = options.echo ?? false;
  for (const dir of [dataDir, logDir, join(dataDir, "dynamodb")])
    mkdirSync(dir, { recursive: true });
  for (const [what, p] of Object.entries({ app: port, ...ports })) await assertPortFree(p, what);

  const url = `http://127.0.0.1:${port}`;
  const secrets = loadLocalSecrets(dataDir);
  const model = await loadStackModel();
  const awsUrl = `http://127.0.0.1:${ports.aws}`;
  const dynamoDbUrl = `http://127.0.0.1:${ports.dynamodb}`;
  const providerUrl = `http://127.0.0.1:${ports.provider}`;
  const baseEnv = {
    AWS_REGION: "us-east-1",
    // DynamoDB Local refuses access key ids with anything but letters and digits.
    AWS_ACCESS_KEY_ID: "takeslocal",
    AWS_SECRET_ACCESS_KEY: "takeslocal",
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl,
    AWS_ENDPOINT_URL_S3: awsUrl,
    AWS_ENDPOINT_URL_SQS: awsUrl,
  };
  // This process creates resources and seeds the demo code through the same core/ code.
  Object.assign(process.env, baseEnv);

  const services: Service[] = [];
  const stopAll = async () => {
    for (const service of services.splice(0).reverse()) await service.stop();
  };
  const start = async (run: () => Promise<Service>) => {
    const service = await run();
    services.push(service);
    return service;
  };
  const childEnv = (extra: Record<string, string>) => ({ ...process.env, ...extra });

  try {
    // Settled, not Promise.all: when one server fails to start, the others must have finished
    // starting (and been recorded) before the catch below stops them, or they would outlive us.
    const started = await Promise.allSettled([
      start(() =>
        startDynamoDb({ port: ports.dynamodb, dataDir: join(dataDir, "dynamodb"), logDir, echo }),
      ),
      start(() =>
        startService({
          name: "aws",
          ...node(join(repoRoot, "local/aws/main.ts")),
          env: childEnv({
            AWS_EMULATOR_PORT: String(ports.aws),
            AWS_EMULATOR_DATA_DIR: join(dataDir, "aws"),
            AWS_EMULATOR_NOTIFICATIONS: JSON.stringify(
              model.bucketNotifications.map((notification) => ({
                ...notification,
                bucket: localBucketName(notification.bucket),
              })),
            ),
          }),
          logDir,
          echo,
          port: ports.aws,
        }),
      ),
      start(() =>
        startService({
          name: "provider",
          ...node(join(repoRoot, "local/providers/main.ts")),
          env: childEnv({
            PROVIDER_EMULATOR_PORT: String(ports.provider),
            PROVIDER_EMULATOR_DATA_DIR: join(dataDir, "provider"),
            ...(options.providerGenerationMs !== undefined && {
              PROVIDER_EMULATOR_GENERATION_MS: String(options.providerGenerationMs),
            }),
            ...(options.providerContentLifetimeSeconds !== undefined && {
              PROVIDER_EMULATOR_CONTENT_LIFETIME_S: String(options.providerContentLifetimeSeconds),
            }),
            PROVIDER_EMULATOR_WEBHOOK_URL: `${url}/api/webhooks/openai`,
            PROVIDER_EMULATOR_WEBHOOK_SECRET: secrets.webhookSecret,
          }),
          logDir,
          echo,
          port: ports.provider,
        }),
      ),
    ]);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;

    const queueUrls = await ensureResources(model);
    const routing = providerRouting(secrets, providerUrl);
    if (echo && routing.live.length) console.log(`live providers: ${routing.live.join(", ")}`);
    const env = {
      ...baseEnv,
      ...routing.environment,
      SST_RESOURCES_JSON: resourcesJson(model, {
        stage: "local",
        secrets: {
          ServerSecret: secrets.serverSecret,
          WebhookSecret: secrets.webhookSecret,
          ...routing.secrets,
        },
        everySecret: true,
        queueUrls,
        apiUrl: url,
      }),
    };
    Object.assign(process.env, env);
    // Kept across restarts with its usage; `npm run codes` issues more (scripts/codes.ts).
    await ensureAccessCode(secrets.demoAccessCode, {
      label: "demo",
      quotaSeconds: DEMO_QUOTA_SECONDS,
      quotaToolUses: DEMO_TOOL_USES,
    });

    const siteBuild = options.siteBuild ?? process.env.TAKES_SITE_BUILD ?? "build";
    buildSiteIfStale(siteBuild, echo);
    await start(() =>
      startService({
        name: "site",
        command: process.execPath,
        args: [join(repoRoot, "site", siteBuild, "index.js")],
        env: childEnv({
          ...env,
          HOST: "127.0.0.1",
          PORT: String(ports.site),
          ORIGIN: url,
          // The site sits behind the runtime's proxy (local/runtime/site-proxy.ts), which states
          // the client's address as the last x-forwarded-for entry; adapter-node reads it there.
          ADDRESS_HEADER: "x-forwarded-for",
          XFF_DEPTH: "1",
        }),
        logDir,
        echo,
        port: ports.site,
      }),
    );

    const runtimeOptions = () => ({
      name: "runtime",
      ...node(join(repoRoot, "local/runtime/main.ts")),
      env: childEnv({
        ...env,
        TAKES_RUNTIME_PORT: String(port),
        TAKES_SITE_URL: `http://127.0.0.1:${ports.site}`,
        // The frames worker's FFMPEG_PATH names the binary inside its Lambda package; here the
        // packaged npm binary (or the developer's own FFMPEG_PATH) stands in for it.
        FFMPEG_PATH: ffmpegPath(),
        ...(options.scheduleIntervalMs !== undefined && {
          TAKES_SCHEDULE_INTERVAL_MS: String(options.scheduleIntervalMs),
        }),
        ...(options.copyLeaseMs !== undefined && {
          TAKES_COPY_LEASE_MS: String(options.copyLeaseMs),
        }),
      }),
      logDir,
      echo,
      port,
    });
    let runtime = await start(() => startService(runtimeOptions()));

    return {
      url,
      demoAccessCode: secrets.demoAccessCode,
      providerUrl,
      awsUrl,
      dynamoDbUrl,
      model,
      dataDir,
      logDir,
      env,
      async crashRuntime() {
        runtime.child.kill("SIGKILL");
        await runtime.stop();
        services.splice(services.indexOf(runtime), 1);
      },
      async startRuntime() {
        runtime = await start(() => startService(runtimeOptions()));
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
