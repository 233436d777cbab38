/**
 * Links resources the way `sst shell` does — SST_RESOURCES_JSON with every component by its name
 * in infra/ — for the local stack, the tests and the benchmarks alike. `startLinkedResources()`
 * also starts the emulators behind the links, for a test file or a benchmark.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { startDynamoDb } from "./aws/dynamodb";
import { ensureResources, localBucketName } from "./aws/resources";
import type { AwsEmulatorOptions } from "./aws/s3-sqs";
import { loadStackModel } from "./infra/index";
import { emptyStackModel, type StackModel } from "./infra/model";
import type { Service } from "./services";

export interface Links {
  /** `Resource.App.stage`. */
  stage: string;
  /**
   * Secret values by component name; a name infra does not declare is an error. A secret left out
   * gets its declared placeholder, as on a stage where it was never set.
   */
  secrets: Record<string, string>;
  /** The local stack's rule: every secret must have a value or a placeholder. */
  everySecret?: boolean;
  /** Queue URLs by component name: only queues that exist are linked. */
  queueUrls?: Record<string, string>;
  /** The HTTP API's URL, linked as `Api`. */
  apiUrl?: string;
}

/** The SST_RESOURCES_JSON a process on the local stack gets: App, tables, buckets, queues, secrets. */
export function resourcesJson(model: StackModel, links: Links): string {
  const resources: Record<string, Record<string, string>> = {
    App: { name: "takes", stage: links.stage },
  };
  if (links.apiUrl) resources.Api = { url: links.apiUrl, type: "sst.aws.ApiGatewayV2" };
  for (const name of Object.keys(model.tables)) resources[name] = { name, type: "sst.aws.Dynamo" };
  for (const name of Object.keys(model.buckets)) {
    resources[name] = { name: localBucketName(name), type: "sst.aws.Bucket" };
  }
  for (const [name, url] of Object.entries(links.queueUrls ?? {})) {
    resources[name] = { url, type: "sst.aws.Queue" };
  }
  const undeclared = Object.keys(links.secrets).filter((name) => !model.secrets.includes(name));
  if (undeclared.length) throw new Error(`infra/ declares no secret ${undeclared.join(", ")}`);
  for (const name of model.secrets) {
    const value = links.secrets[name] ?? model.secretDefaults?.[name];
    if (value !== undefined) resources[name] = { value, type: "sst.sst.Secret" };
    else if (links.everySecret) throw new Error(`The local stack has no value for secret ${name}`);
  }
  return JSON.stringify(resources);
}

/**
 * Links App and the given secrets, and starts nothing: for code that reads only secrets. `Resource`
 * reads the links once, on first access: call this before.
 */
export async function linkSecrets(secrets: Record<string, string>, stage = "test") {
  const { secrets: declared, secretDefaults } = await loadStackModel();
  process.env.SST_RESOURCES_JSON = resourcesJson(
    { ...emptyStackModel(), secrets: declared, secretDefaults },
    { stage, secrets },
  );
}

export interface LinkOptions {
  /** What to start and link; by default what infra/ declares. */
  model?: StackModel;
  /** false: no DynamoDB Local and no tables linked, for code that needs only S3 or SQS. */
  tables?: boolean;
  /** Values for the secrets the code under test reads; the others get their placeholders or none. */
  secrets?: Record<string, string>;
  /** `Resource.App.stage` (default "test"). */
  stage?: string;
  /** fauxqs persistence, for a run that restarts it: its SQLite folder and object bodies. */
  aws?: Pick<AwsEmulatorOptions, "dataDir" | "s3StorageDir">;
  /**
   * Puts something between this process's S3 client and fauxqs (a proxy that injects faults):
   * called with fauxqs's URL, it returns the URL the client should use instead.
   */
  s3Proxy?: (awsUrl: string) => Promise<string>;
}

export interface LinkedResources {
  model: StackModel;
  /** fauxqs: S3 and SQS on one port. */
  awsUrl: string;
  /** DynamoDB Local, unless `tables: false` or the model declares none. */
  dynamoDbUrl?: string;
  queueUrls: Record<string, string>;
  /** What this process's environment got: endpoints, credentials, SST_RESOURCES_JSON. */
  env: Record<string, string>;
  /** The caller's own clients (not core/aws.ts's), straight to fauxqs. */
  s3: S3Client;
  sqs: SQSClient;
  stop(): Promise<void>;
}

/** A port the OS just handed out, so parallel test files never collide. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("No port assigned");
  return address.port;
}

async function startTables(dir: string): Promise<{ url: string; service: Service }> {
  const port = await freePort();
  const service = await startDynamoDb({ port, dataDir: dir, logDir: dir });
  return { url: `http://127.0.0.1:${port}`, service };
}

/**
 * Starts what the model declares on free loopback ports — DynamoDB Local with its tables, fauxqs
 * with its buckets, queues and bucket notifications — in a throwaway folder, links them (with the
 * given secrets) and points the AWS SDK at them, all in this process's environment.
 *
 * core/aws.ts makes its clients on first use (here, creating what the model declares) and keeps
 * them: a process (each test file has its own) starts this once, before the code under test reads
 * `Resource` or calls AWS.
 */
export async function startLinkedResources(options: LinkOptions = {}): Promise<LinkedResources> {
  const declared = options.model ?? (await loadStackModel());
  const model = options.tables === false ? { ...declared, tables: {} } : declared;
  // Loaded here, not at the top: fauxqs's stores are found with import.meta.resolve, which the
  // test runner's global setup (that imports resourcesJson through local/stack.ts) lacks.
  const { startAwsEmulator } = await import("./aws/s3-sqs");
  const dir = mkdtempSync(join(tmpdir(), "takes-linked-"));
  const needsTables = Object.keys(model.tables).length > 0;
  const [tables, aws] = await Promise.allSettled([
    needsTables ? startTables(dir) : undefined,
    startAwsEmulator({
      port: 0,
      ...options.aws,
      notifications: model.bucketNotifications.map((notification) => ({
        ...notification,
        bucket: localBucketName(notification.bucket),
      })),
    }),
  ]);
  const stopServers = async () => {
    if (tables.status === "fulfilled") await tables.value?.service.stop();
    if (aws.status === "fulfilled") await aws.value.stop();
  };
  try {
    if (tables.status === "rejected") throw tables.reason;
    if (aws.status === "rejected") throw aws.reason;
    const awsUrl = aws.value.url;
    const dynamoDbUrl = tables.value?.url;
    const env: Record<string, string> = {
      AWS_REGION: "us-east-1",
      // DynamoDB Local refuses access key ids with anything but letters and digits.
      AWS_ACCESS_KEY_ID: "takestest",
      AWS_SECRET_ACCESS_KEY: "takestest",
      AWS_ENDPOINT_URL_S3: options.s3Proxy ? await options.s3Proxy(awsUrl) : awsUrl,
      AWS_ENDPOINT_URL_SQS: awsUrl,
      ...(dynamoDbUrl && { AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl }),
    };
    Object.assign(process.env, env);
    const queueUrls = await ensureResources(model);
    env.SST_RESOURCES_JSON = resourcesJson(model, {
      stage: options.stage ?? "test",
      secrets: options.secrets ?? {},
      queueUrls,
    });
    process.env.SST_RESOURCES_JSON = env.SST_RESOURCES_JSON;

    const s3 = new S3Client({ endpoint: awsUrl, forcePathStyle: true });
    const sqs = new SQSClient({ endpoint: awsUrl });
    return {
      model,
      awsUrl,
      dynamoDbUrl,
      queueUrls,
      env,
      s3,
      sqs,
      async stop() {
        s3.destroy();
        sqs.destroy();
        await stopServers();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // The folder stays: DynamoDB Local's log in it says why it did not start.
    await stopServers();
    throw error;
  }
}
