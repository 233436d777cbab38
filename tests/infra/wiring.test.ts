// What must hold for the infrastructure to work on AWS, checked offline on the model recorded from
// sst.config.ts (local/infra/index.ts). Each invariant is written over whatever the model
// declares, so a new route, subscriber or schedule is checked the moment it is added.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackModel } from "#local/infra/index";
import type { FunctionModel, StackModel } from "#local/infra/model";

const repoRoot = resolve(import.meta.dirname, "../..");

/**
 * Least privilege, spelled out: what each function and site may reach. A function missing here,
 * or linked to anything not listed, fails the test; add the entry when you add the function.
 */
/**
 * Who is calling: a bearer credential or the site's session cookie, checked against Sessions; a
 * credential not seen before costs its client address from a budget in Limits.
 */
const caller = ["Codes", "ServerSecret", "Sessions", "Limits"];
const library = [...caller, "Jobs", "Media"];
/** The operator's key per provider: what runs jobs on the operator's account links. */
const operatorKeys = ["ProviderKey", "RunwayKey", "FalKey", "OpenRouterKey", "BedrockRegion"];
const withProvider = [...library, ...operatorKeys, "ProviderBaseUrl"];
/**
 * Starting a job also tells providers that take a per-job webhook URL where the API is (OpenRouter
 * only when its webhook secret is set), finds a retried request's job by its Idempotency-Key, and
 * has the provider cancel a job Takes could not record.
 */
const startsJob = [
  ...withProvider,
  "PollQueue",
  "Api",
  "OpenRouterWebhookSecret",
  "IdempotencyKeys",
  "ProviderDeletes",
];

/** Polling a job: the provider (its keys), the job, its media, its next poll, its code's seconds. */
const movesJobs = [
  "Jobs",
  "Codes",
  "Media",
  "PollQueue",
  ...operatorKeys,
  "ProviderBaseUrl",
  "ServerSecret",
];

const expectedLinks: Record<string, string[]> = {
  // Health answers each client address only so often (Limits; the server secret checks the
  // Router's word for the address).
  ApiGetHealth: [
    "Jobs",
    "Media",
    "PollQueue",
    "FramesQueue",
    "ProviderBaseUrl",
    "Limits",
    "ServerSecret",
  ],
  ApiGetOpenapiJson: [],
  Site: [...startsJob, "Shares"],
  ApiGetProviders: [...caller, ...operatorKeys],
  ApiPostVideos: startsJob,
  ApiGetVideos: library,
  ApiGetVideosId: library,
  // The provider's copy is deleted by the ProviderDeletes worker, never during the request.
  ApiDeleteVideosId: [...library, "ProviderDeletes"],
  ApiPostVideosIdRemix: startsJob,
  ApiGetVideosIdFramesFrame: library,
  ApiPostVideosIdShares: [...caller, "Jobs", "Shares"],
  ApiGetVideosIdShares: [...caller, "Jobs", "Shares"],
  ApiDeleteVideosIdSharesToken: [...caller, "Shares"],
  ApiPostPromptsImprove: [...caller, ...operatorKeys, "ProviderBaseUrl"],
  ApiPostImages: [...caller, ...operatorKeys, "ProviderBaseUrl", "Media"],
  ApiPostWebhooksProvider: ["Jobs", "PollQueue", "WebhookSecret", "OpenRouterWebhookSecret"],
  PollQueueSubscriber: movesJobs,
  // A dead-lettered poll is checked with the job's provider again, then rescheduled or failed.
  PollDeadLettersSubscriber: movesJobs,
  ProviderDeletesSubscriber: [...operatorKeys, "ProviderBaseUrl", "ServerSecret"],
  FramesQueueSubscriber: ["Jobs", "Media"],
  SweeperHandler: ["Jobs", "PollQueue"],
};

/** The secrets docs/design.md relies on. */
const requiredSecrets = [
  "ServerSecret",
  "ProviderKey",
  "RunwayKey",
  "FalKey",
  "OpenRouterKey",
  "BedrockRegion",
  "WebhookSecret",
  "OpenRouterWebhookSecret",
  "ProviderBaseUrl",
];

/** API Gateway's HTTP API drops a request after 30 s, whatever the Lambda timeout says. */
const HTTP_API_TIMEOUT_SECONDS = 30;
/** SQS's maximum retention; dead letters should wait that long for someone to look. */
const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

let model: StackModel;
beforeAll(async () => {
  model = await loadStackModel();
});

const allFunctions = () => Object.values(model.functions);
const sitesOf = () => Object.entries(model.sites ?? {});
const deadLetterQueues = () =>
  new Set(Object.values(model.queues).flatMap((queue) => (queue.dlq ? [queue.dlq.queue] : [])));

/** Every component `link` and sst-env.d.ts can name, with its SST type. */
function linkableComponents(): Map<string, string> {
  const components = new Map<string, string>();
  for (const name of Object.keys(model.tables)) components.set(name, "sst.aws.Dynamo");
  for (const name of Object.keys(model.buckets)) components.set(name, "sst.aws.Bucket");
  for (const name of Object.keys(model.queues)) components.set(name, "sst.aws.Queue");
  for (const name of model.secrets) components.set(name, "sst.sst.Secret");
  for (const name of Object.keys(model.sites ?? {})) components.set(name, "sst.aws.SvelteKit");
  for (const name of Object.keys(model.routers ?? {})) components.set(name, "sst.aws.Router");
  // The HTTP API appears in the model as the target of a router route.
  const apiTargets = Object.values(model.routers ?? {})
    .flatMap((router) => router.routes)
    .filter((route) => route.path.startsWith("/api"));
  for (const { to } of apiTargets) components.set(to, "sst.aws.ApiGatewayV2");
  return components;
}

function handlerParts(fn: FunctionModel) {
  const dot = fn.handler.lastIndexOf(".");
  return { module: fn.handler.slice(0, dot), exportName: fn.handler.slice(dot + 1) };
}

describe("functions", () => {
  it("every handler module exists under functions/ and exports its handler", async () => {
    expect(allFunctions().length).toBeGreaterThan(0);
    // Lambda hands a function its links as SST_RESOURCE_* variables; give modules the same, in
    // case one reads `Resource` while loading.
    process.env.SST_RESOURCE_App ??= JSON.stringify({ name: "takes", stage: "test" });
    for (const [name, type] of linkableComponents()) {
      process.env[`SST_RESOURCE_${name}`] ??= JSON.stringify({ type, name, url: "", value: "" });
    }
    for (const fn of allFunctions()) {
      const { module, exportName } = handlerParts(fn);
      expect(module, `${fn.name}: handler lives under functions/`).toMatch(/^functions\//);
      const file = join(repoRoot, `${module}.ts`);
      expect.soft(existsSync(file), `${fn.name}: ${module}.ts exists`).toBe(true);
      if (!existsSync(file)) continue;
      const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      expect
        .soft(typeof loaded[exportName], `${fn.name}: ${module} exports ${exportName}`)
        .toBe("function");
    }
  });

  it("every function and site is in the expected-links table, and links exactly that", () => {
    const actual = new Map([
      ...allFunctions().map((fn) => [fn.name, fn.link] as const),
      ...sitesOf().map(([name, site]) => [name, site.link] as const),
    ]);
    for (const [name, links] of actual) {
      expect(expectedLinks[name], `add ${name} to expectedLinks in this file`).toBeDefined();
      expect([...links].sort(), `${name} links`).toEqual([...(expectedLinks[name] ?? [])].sort());
    }
    for (const name of Object.keys(expectedLinks)) {
      expect(actual.has(name), `expectedLinks names ${name}, which infra no longer declares`).toBe(
        true,
      );
    }
  });

  // Remixes never call Bedrock: it has no remix.
  it("only what creates or polls jobs may call Bedrock (with its own role), and only Luma Ray2", () => {
    const callers = [
      ...allFunctions().map((fn) => [fn.name, fn.permissions] as const),
      ...sitesOf().map(([name, site]) => [name, site.permissions] as const),
    ];
    const bedrockCallers = callers
      .filter(([, permissions]) =>
        permissions.some(({ actions }) => actions.some((action) => action.startsWith("bedrock:"))),
      )
      .map(([name]) => name)
      .sort();
    expect(bedrockCallers).toEqual(
      ["ApiPostVideos", "PollDeadLettersSubscriber", "PollQueueSubscriber", "Site"].sort(),
    );
    for (const [name, permissions] of callers) {
      for (const { actions, resources } of permissions) {
        for (const action of actions) {
          expect(["bedrock:InvokeModel", "bedrock:GetAsyncInvoke"], `${name}: ${action}`).toContain(
            action,
          );
        }
        if (actions.includes("bedrock:InvokeModel")) {
          expect(resources, `${name}: what it may invoke`).toEqual([
            "arn:aws:bedrock:*::foundation-model/luma.ray-v2:0",
          ]);
        }
      }
    }
  });

  it("links only components the app declares", () => {
    const declared = linkableComponents();
    const linkers = [
      ...allFunctions().map((fn) => [fn.name, fn.link] as const),
      ...sitesOf().map(([name, site]) => [name, site.link] as const),
    ];
    for (const [name, links] of linkers) {
      for (const link of links) expect(declared.has(link), `${name} links ${link}`).toBe(true);
    }
  });

  it("functions behind the HTTP API finish before API Gateway gives up", () => {
    for (const { fn, method, path } of model.routes) {
      expect(fn.timeout, `${method} ${path} (${fn.name}) timeout`).toBeLessThanOrEqual(
        HTTP_API_TIMEOUT_SECONDS,
      );
    }
  });

  it("memory and timeouts are within Lambda's limits", () => {
    for (const fn of allFunctions()) {
      expect(fn.memory, `${fn.name} memory`).toBeGreaterThanOrEqual(128);
      expect(fn.memory, `${fn.name} memory`).toBeLessThanOrEqual(10240);
      expect(fn.timeout, `${fn.name} timeout`).toBeGreaterThan(0);
      expect(fn.timeout, `${fn.name} timeout`).toBeLessThanOrEqual(900);
    }
  });
});

describe("HTTP API", () => {
  it("declares the health route", () => {
    const health = model.routes.find(
      (route) => route.method === "GET" && route.path === "/api/health",
    );
    expect(health?.fn.handler).toBe("functions/http/health.handler");
  });

  it("declares the provider webhook route", () => {
    const webhook = model.routes.find(
      (route) => route.method === "POST" && route.path === "/api/webhooks/{provider}",
    );
    expect(webhook?.fn.handler).toBe("functions/http/webhook.handler");
  });

  it("routes are unique and all live under /api, the prefix the Router sends to the API", () => {
    const keys = model.routes.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^[A-Z]+ \/api(\/|$)/);
  });

  it("one origin: the Router sends /api to the API and everything else to the site", () => {
    const routers = Object.values(model.routers ?? {});
    expect(routers).toHaveLength(1);
    const routes = routers[0]!.routes;
    const api = routes.find((route) => route.path === "/api");
    const site = routes.find((route) => route.path === "/");
    expect(api && linkableComponents().get(api.to)).toBe("sst.aws.ApiGatewayV2");
    expect(site && model.sites?.[site.to]).toBeDefined();
  });
});

describe("queues", () => {
  it("a subscribed queue has a DLQ, outlasts its subscriber's timeout, and takes partial failures", () => {
    for (const [name, queue] of Object.entries(model.queues)) {
      if (!queue.subscriber) continue;
      expect(queue.dlq, `${name} has a dead-letter queue`).toBeDefined();
      // AWS rejects the event source mapping otherwise, and a message would reappear mid-run.
      expect(queue.visibilityTimeout, `${name} visibility timeout`).toBeGreaterThanOrEqual(
        queue.subscriber.fn.timeout,
      );
      // Without it one bad message makes the whole batch retry.
      expect(queue.subscriber.partialResponses, `${name} partial batch responses`).toBe(true);
      // Standard queues take batches over 10 only with a batching window.
      if (queue.subscriber.batchSize > 10) {
        expect(queue.subscriber.batchWindow, `${name} batch window`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("dead-letter queues exist, retry a sane number of times and keep messages 14 days", () => {
    for (const [name, queue] of Object.entries(model.queues)) {
      if (!queue.dlq) continue;
      const target = model.queues[queue.dlq.queue];
      expect(target, `${name}'s DLQ ${queue.dlq.queue} is declared`).toBeDefined();
      expect(queue.dlq.retry, `${name} retry`).toBeGreaterThanOrEqual(2);
      expect(queue.dlq.retry, `${name} retry`).toBeLessThanOrEqual(10);
      // A message keeps its first enqueue time in the DLQ, so the DLQ must keep messages longer.
      expect(target?.retention, `${queue.dlq.queue} retention`).toBe(FOURTEEN_DAYS);
    }
  });

  it("only a dead-letter queue with a subscriber has a dead-letter queue, and that one ends there", () => {
    for (const name of deadLetterQueues()) {
      const queue = model.queues[name]!;
      if (!queue.subscriber) {
        expect(queue.dlq, `${name} has no subscriber, so needs no DLQ`).toBeUndefined();
        continue;
      }
      const last = model.queues[queue.dlq!.queue];
      expect(last?.subscriber, `${queue.dlq!.queue} is the end of the line`).toBeUndefined();
      expect(last?.dlq, `${queue.dlq!.queue} is the end of the line`).toBeUndefined();
    }
  });

  it("the poll and frames workers, and the dead-letter handler, are subscribed", () => {
    const subscriber = (queue: string) => model.queues[queue]?.subscriber;
    expect(subscriber("PollQueue")?.fn.handler).toBe("functions/queues/poller.handler");
    expect(subscriber("PollQueue")?.fn.timeout).toBe(5 * 60);
    expect(subscriber("PollDeadLetters")?.fn.handler).toBe(
      "functions/queues/poll-dead-letters.handler",
    );
    expect(subscriber("FramesQueue")?.fn.handler).toBe("functions/queues/frames.handler");
    expect(subscriber("FramesQueue")?.fn.environment.FFMPEG_PATH).toMatch(/^\/var\/task\//);
  });

  it("a deleted job is deleted at its provider by a worker, retried, then dead-lettered", () => {
    const queue = model.queues.ProviderDeletes;
    expect(queue?.subscriber?.fn.handler).toBe("functions/queues/provider-deletes.handler");
    expect(queue?.dlq).toEqual({ queue: "DeadLetters", retry: 5 });
  });

  it("the poll queue outlasts a poller that copies a video, and both work queues have DLQs", () => {
    expect(model.queues.PollQueue?.dlq).toEqual({ queue: "PollDeadLetters", retry: 5 });
    expect(model.queues.FramesQueue?.dlq).toEqual({ queue: "FramesDeadLetters", retry: 3 });
    expect(model.queues.PollQueue?.visibilityTimeout).toBeGreaterThanOrEqual(5 * 60);
    expect(model.queues.FramesQueue?.visibilityTimeout).toBeGreaterThanOrEqual(2 * 60);
  });
});

describe("storage", () => {
  it("every key of every table and index is a declared field, and every field is a key", () => {
    for (const [name, table] of Object.entries(model.tables)) {
      const indexes = [table.primaryIndex, ...Object.values(table.globalIndexes)];
      const keys = new Set(
        indexes.flatMap((index) => [index.hashKey, index.rangeKey ?? []].flat()),
      );
      for (const key of keys) expect(table.fields[key], `${name}.${key} declared`).toBeDefined();
      // DynamoDB rejects attribute definitions that no key schema uses.
      for (const field of Object.keys(table.fields)) {
        expect(keys.has(field), `${name}.${field} is used by a key`).toBe(true);
      }
    }
  });

  it("Jobs lists an owner's jobs newest first, by status and by parent, finds overdue polls and webhook jobs", () => {
    expect(model.tables.Jobs?.globalIndexes).toEqual({
      byOwner: { hashKey: "owner", rangeKey: "id" },
      byOwnerStatus: { hashKey: "ownerStatus", rangeKey: "id" },
      byNextPoll: { hashKey: "pollShard", rangeKey: "nextPollAt" },
      byProviderJob: { hashKey: "providerJobId" },
      byParent: { hashKey: "parentId", rangeKey: "id" },
    });
    expect(model.tables.Jobs?.fields.nextPollAt).toBe("number");
  });

  it("share links are keyed by token, listed per job newest first, and expire by themselves", () => {
    expect(model.tables.Shares?.primaryIndex).toEqual({ hashKey: "token" });
    expect(model.tables.Shares?.globalIndexes).toEqual({
      byJob: { hashKey: "jobId", rangeKey: "createdAt" },
    });
    expect(model.tables.Shares?.ttl).toBe("ttl");
  });

  it("sessions are listed per owner and per access code, and expire by themselves", () => {
    expect(model.tables.Sessions?.primaryIndex).toEqual({
      hashKey: "ownerId",
      rangeKey: "sessionId",
    });
    expect(model.tables.Sessions?.globalIndexes).toEqual({
      byAccessCode: { hashKey: "accessCodeHash" },
    });
    expect(model.tables.Sessions?.ttl).toBe("ttl");
  });

  it("rate-limit counters expire by themselves (Limits has a TTL attribute)", () => {
    expect(model.tables.Limits?.primaryIndex).toEqual({ hashKey: "id" });
    expect(model.tables.Limits?.ttl).toBe("ttl");
  });

  it("a stored video notifies the frames queue, and nothing else does", () => {
    expect(model.bucketNotifications).toContainEqual({
      name: "VideoStored",
      bucket: "Media",
      queue: "FramesQueue",
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "videos/",
      filterSuffix: "/video.mp4",
    });
    for (const notification of model.bucketNotifications) {
      expect(model.buckets[notification.bucket], notification.bucket).toBeDefined();
      expect(model.queues[notification.queue], notification.queue).toBeDefined();
    }
  });

  it("the media bucket only allows reads across origins", () => {
    expect(model.buckets.Media?.cors?.allowMethods.sort()).toEqual(["GET", "HEAD"]);
  });
});

describe("schedules", () => {
  it("the sweeper runs every minute", () => {
    const sweeper = model.schedules.find((schedule) => schedule.name === "Sweeper");
    expect(sweeper?.schedule).toBe("rate(1 minute)");
    expect(sweeper?.fn.handler).toBe("functions/schedules/sweeper.handler");
  });
});

describe("secrets", () => {
  it("declares the secrets the design relies on as SST Secrets", () => {
    for (const name of requiredSecrets) expect(model.secrets).toContain(name);
  });

  it("no secret travels as a plain environment variable", () => {
    const placeholders = new Set(Object.values(model.secretDefaults ?? {}));
    const environments = [
      ...allFunctions().map((fn) => [fn.name, fn.environment] as const),
      ...sitesOf().map(([name, site]) => [name, site.environment] as const),
    ];
    for (const [owner, environment] of environments) {
      for (const [key, value] of Object.entries(environment)) {
        expect(key, `${owner}: ${key}`).not.toMatch(/SECRET|PASSWORD|TOKEN|API_?KEY|PROVIDER_KEY/i);
        expect(value, `${owner}: ${key}`).not.toMatch(/^(sk-|whsec_)/);
        expect(placeholders.has(value), `${owner}: ${key} carries a secret's value`).toBe(false);
      }
    }
  });
});

describe("sst-env.d.ts", () => {
  it("types every linkable component the way `sst` generates it", () => {
    const source = readFileSync(join(repoRoot, "sst-env.d.ts"), "utf8");
    const declared = new Map(
      [...source.matchAll(/^ {4}"?(\w+)"?: \{\s*([^}]*)\}/gm)].map(([, name, body]) => [
        name!,
        /type: "([^"]+)"/.exec(body!)?.[1],
      ]),
    );
    const components = linkableComponents();
    expect(Object.fromEntries(declared)).toEqual(Object.fromEntries(components));
    const propertyOf: Record<string, string> = {
      "sst.aws.Dynamo": "name",
      "sst.aws.Bucket": "name",
      "sst.aws.Queue": "url",
      "sst.sst.Secret": "value",
      "sst.aws.ApiGatewayV2": "url",
      "sst.aws.SvelteKit": "url",
      "sst.aws.Router": "url",
    };
    for (const [name, type] of components) {
      const entry = new RegExp(`^ {4}"?${name}"?: \\{\\s*([^}]*)\\}`, "m").exec(source)?.[1] ?? "";
      expect(entry, `${name} has ${propertyOf[type]}`).toMatch(
        new RegExp(`"?${propertyOf[type]}"?: string`),
      );
    }
  });
});
