// What `sst deploy` would create, checked offline: sst.config.ts run through the real SST
// components under Pulumi's mocks (./real-graph.ts). It sees what the recorded stack model
// (wiring.test.ts) cannot: the IAM policies SST derives from links, CloudFront's settings, the
// event source mappings, the function zips and the packages installed into them.
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routerRouteDefaults } from "#local/infra/defaults";
import { loadStackModel } from "#local/infra/index";
import type { StackModel } from "#local/infra/model";
import { durationToSeconds } from "#local/infra/values";
import { buildRealGraph, buildSiteForLambda, type RealGraph, zipEntries } from "./real-graph";

const repoRoot = resolve(import.meta.dirname, "../..");

interface PackageJson {
  dependencies: Record<string, string>;
}
/** A text model chosen at deploy time (infra/tools.ts), to follow to every place tools run. */
const TEXT_MODEL = "graph-text-model";

const get = (action: string) => `dynamodb:${action}`;
const GET = get("GetItem");
const PUT = get("PutItem");
const UPDATE = get("UpdateItem");
const DELETE = get("DeleteItem");
const QUERY = get("Query");
const READ = "s3:GetObject";
const WRITE = ["s3:AbortMultipartUpload", "s3:PutObject"];
const REMOVE = "s3:DeleteObject";
const LIST = "s3:ListBucket";
const SEND = "sqs:SendMessage";
/** What SST grants a queue's subscriber on its queue, for the event source mapping. */
const RECEIVE = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];
const LUMA_RAY2 = "arn:aws:bedrock:*::foundation-model/luma.ray-v2:0";

type Permissions = Record<string, string[]>;

/**
 * Who is calling: an access code read by its hash, or a session checked (and ended when stale);
 * a credential not seen before takes from its address's budget and is remembered (Limits).
 */
const caller: Permissions = { Codes: [GET], Sessions: [GET, DELETE], Limits: [GET, PUT, UPDATE] };
/**
 * Starting a job: the rate limit (Limits, as the caller's), an access code's seconds, the
 * idempotency record, the first poll, and cancelling a job Takes could not record.
 */
const startsJob: Permissions = {
  ...caller,
  Codes: [GET, UPDATE],
  IdempotencyKeys: [GET, UPDATE],
  PollQueue: [SEND],
  ProviderDeletes: [SEND],
};
/** The text and image models: the rate limit (Limits, as the caller's) and a code's tool budget. */
const usesModels: Permissions = { ...caller, Codes: [GET, UPDATE] };
/** Moving a job on: it, its code's seconds when it ends, its next poll, cleanup of its folder. */
const movesJobs: Permissions = {
  Jobs: [GET, UPDATE],
  Codes: [UPDATE],
  PollQueue: [SEND],
  Media: [LIST],
  "Media/videos/*": [REMOVE],
};
const frameFiles = ["first.png", "last.png", "thumbnail.webp", "spritesheet.webp"];

/**
 * Least privilege, spelled out: every action each function's code takes, on what. A function
 * missing here, or allowed anything not listed, fails the test.
 */
const expectedPermissions: Record<string, Permissions> = {
  // Each address may check only so often (Limits).
  "GET /api/health": {
    Jobs: [get("DescribeTable")],
    Limits: [GET, UPDATE],
    Media: [LIST],
    PollQueue: ["sqs:GetQueueAttributes"],
    FramesQueue: ["sqs:GetQueueAttributes"],
  },
  "GET /api/openapi.json": {},
  "GET /api/providers": caller,
  // A new video may start or end on an uploaded image (kept under references/) or a stored one
  // (a draft, a kept reference or a frame); Bedrock writes its output into incoming/.
  "POST /api/videos": {
    ...startsJob,
    Jobs: [GET, PUT],
    Media: [LIST],
    "Media/videos/*": [READ],
    "Media/references/*": [READ, ...WRITE],
    "Media/drafts/*": [READ],
    "Media/incoming/*": WRITE,
    [LUMA_RAY2]: ["bedrock:InvokeModel"],
  },
  "POST /api/videos/{id}/remix": { ...startsJob, Jobs: [GET, PUT], "Media/videos/*": [READ] },
  "GET /api/videos": {
    ...caller,
    "Jobs/index/byOwner": [QUERY],
    "Jobs/index/byOwnerStatus": [QUERY],
    "Media/videos/*": [READ],
  },
  "GET /api/videos/{id}": { ...caller, Jobs: [GET], "Media/videos/*": [READ] },
  "GET /api/videos/{id}/frames/{frame}": {
    ...caller,
    Jobs: [GET],
    "Media/videos/*/first.png": [READ],
    "Media/videos/*/last.png": [READ],
  },
  "DELETE /api/videos/{id}": {
    ...caller,
    Jobs: [DELETE],
    Media: [LIST],
    "Media/videos/*": [REMOVE],
    "Media/shared/*": [REMOVE],
    "Media/incoming/*": [REMOVE],
    "Media/references/*": [REMOVE],
    ProviderDeletes: [SEND],
  },
  "POST /api/videos/{id}/shares": { ...caller, Jobs: [GET], Shares: [PUT] },
  "GET /api/videos/{id}/shares": { ...caller, Jobs: [GET], "Shares/index/byJob": [QUERY] },
  "DELETE /api/videos/{id}/shares/{token}": { ...caller, Shares: [UPDATE] },
  "POST /api/prompts/improve": usesModels,
  "POST /api/images": { ...usesModels, "Media/drafts/*": [READ, ...WRITE] },
  "POST /api/webhooks/{provider}": { "Jobs/index/byProviderJob": [QUERY], PollQueue: [SEND] },
  // Streams a finished video into its folder, or adopts what Bedrock wrote into incoming/.
  "PollQueue subscriber": {
    ...movesJobs,
    PollQueue: [...RECEIVE, SEND],
    "Media/videos/*": [READ, ...WRITE, REMOVE],
    "Media/incoming/*": [READ, REMOVE],
    "*": ["bedrock:GetAsyncInvoke"],
  },
  "PollDeadLetters subscriber": {
    ...movesJobs,
    PollDeadLetters: RECEIVE,
    "*": ["bedrock:GetAsyncInvoke"],
  },
  "ProviderDeletes subscriber": { ProviderDeletes: RECEIVE },
  // Reads the stored video, writes the frame files; deletes them again for a deleted job.
  "FramesQueue subscriber": {
    FramesQueue: RECEIVE,
    Jobs: [GET, UPDATE],
    Media: [LIST],
    "Media/videos/*/video.mp4": [READ],
    ...Object.fromEntries(frameFiles.map((file) => [`Media/videos/*/${file}`, [READ, ...WRITE]])),
    "Media/videos/*": [REMOVE],
  },
  "Sweeper schedule": { Jobs: [UPDATE], "Jobs/index/byNextPoll": [QUERY], PollQueue: [SEND] },
  // Everything the API does, plus sign-in, "sign out everywhere", resuming a brought key's
  // parked jobs, and share pages (a view count, the share's own copies under shared/).
  "Site server": {
    Jobs: [DELETE, GET, PUT, UPDATE],
    "Jobs/index/byOwner": [QUERY],
    "Jobs/index/byOwnerStatus": [QUERY],
    "Jobs/index/byParent": [QUERY],
    Codes: [GET, UPDATE],
    Sessions: [DELETE, GET, PUT, QUERY],
    Limits: [GET, PUT, UPDATE],
    IdempotencyKeys: [GET, UPDATE],
    Shares: [GET, PUT, UPDATE],
    "Shares/index/byJob": [QUERY],
    Media: [LIST],
    "Media/videos/*": [READ, REMOVE],
    "Media/references/*": [READ, ...WRITE, REMOVE],
    "Media/drafts/*": [READ, ...WRITE],
    "Media/shared/*": [READ, ...WRITE, REMOVE],
    "Media/incoming/*": [...WRITE, REMOVE],
    PollQueue: [SEND],
    ProviderDeletes: [SEND],
    [LUMA_RAY2]: ["bedrock:InvokeModel"],
    // SST's own: the server invalidates CloudFront's cache of what it rendered.
    "*": ["cloudfront:CreateInvalidation"],
  },
};

let graph: RealGraph;
let withoutServerSecret: string;
let model: StackModel;

beforeAll(async () => {
  model = await loadStackModel();
  await buildSiteForLambda();
  // What `sst secret set` gives the secrets that have no placeholder.
  const secrets = Object.fromEntries(
    model.secrets
      .filter((name) => model.secretDefaults?.[name] === undefined)
      .map((name) => [`SST_SECRET_${name}`, `graph-${name}`]),
  );
  const allButServerSecret = { ...secrets };
  delete allButServerSecret.SST_SECRET_ServerSecret;
  // Both runs at once: the failing one ends early and costs little beside the full one.
  [graph, withoutServerSecret] = await Promise.all([
    buildRealGraph({ ...secrets, TAKES_TEXT_MODEL: TEXT_MODEL }),
    buildRealGraph(allButServerSecret).then(
      () => "the deploy went through",
      (error: Error) => error.message,
    ),
  ]);
}, 600_000);

afterAll(() => graph?.dispose());

describe("the Router", () => {
  it("hands Authorization to the API: CloudFront's cache policy forwards it", () => {
    const policy = graph.one("aws:cloudfront/cachePolicy:CachePolicy", "RouterServerCachePolicy");
    const { headersConfig } = policy.inputs.parametersInCacheKeyAndForwardedToOrigin as {
      headersConfig: { headerBehavior: string; headers: { items: string[] } };
    };
    expect(headersConfig.headerBehavior).toBe("whitelist");
    expect(headersConfig.headers.items.map((header) => header.toLowerCase())).toContain(
      "authorization",
    );
    // One behaviour serves both: the API's route and the site share the distribution's policy.
    const distribution = graph.one(
      "aws:cloudfront/distribution:Distribution",
      "RouterCdnDistribution",
    );
    const behaviour = distribution.inputs.defaultCacheBehavior as { cachePolicyId: string };
    expect(behaviour.cachePolicyId).toBe(`${policy.name}-id`);
  });

  it("waits for /api at least as long as the slowest API function may run", () => {
    const route = graph.one(
      "pulumi-nodejs:dynamic:Resource",
      "RouterRoute/apiRouteKey.sst.aws.KvKeys",
    );
    const metadata = JSON.parse((route.inputs.entries as { metadata: string }).metadata) as {
      origin: { timeouts?: { readTimeout?: number } };
    };
    // A route that sets none gets CloudFront's 20 s (local/infra/defaults.ts).
    const readTimeout =
      metadata.origin.timeouts?.readTimeout ?? durationToSeconds(routerRouteDefaults.readTimeout);
    const apiFunctions = graph.functions().filter((fn) => / \/api/.test(fn.id));
    expect(apiFunctions.length).toBe(model.routes.length);
    const slowest = Math.max(...apiFunctions.map((fn) => fn.inputs.timeout));
    expect(readTimeout).toBeGreaterThanOrEqual(slowest);
  });
});

describe("IAM", () => {
  it("every function's role allows exactly what its code does (least privilege)", () => {
    const functions = graph.functions();
    expect(functions.map((fn) => fn.id).sort()).toEqual(Object.keys(expectedPermissions).sort());
    for (const fn of functions) {
      const expected = Object.fromEntries(
        Object.entries(expectedPermissions[fn.id]!).map(([on, actions]) => [
          on,
          [...actions].sort(),
        ]),
      );
      expect.soft(fn.permissions, `${fn.id} (${fn.component})`).toEqual(expected);
    }
  });

  it("no role is allowed a wildcard action", () => {
    for (const fn of graph.functions()) {
      for (const actions of Object.values(fn.permissions)) {
        for (const action of actions) expect(action, fn.id).not.toMatch(/\*/);
      }
    }
  });
});

describe("queues", () => {
  it("each subscriber reports partial batch failures, has a DLQ, is outlasted by its queue", () => {
    const mappings = graph.all("aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings) {
      const queue = graph.named("aws:sqs/queue:Queue", String(mapping.inputs.eventSourceArn));
      const fn = graph.named("aws:lambda/function:Function", String(mapping.inputs.functionName));
      expect(mapping.inputs.functionResponseTypes, queue.name).toEqual(["ReportBatchItemFailures"]);
      const redrive = JSON.parse(String(queue.inputs.redrivePolicy ?? "{}")) as {
        deadLetterTargetArn?: string;
      };
      expect(redrive.deadLetterTargetArn, `${queue.name} dead-letter queue`).toMatch(
        /^arn:aws:sqs:/,
      );
      expect(
        queue.inputs.visibilityTimeoutSeconds,
        `${queue.name} visibility timeout`,
      ).toBeGreaterThan(Number(fn.inputs.timeout));
    }
  });
});

describe("function packages", () => {
  it("the frames worker's zip carries an executable ffmpeg where FFMPEG_PATH points", () => {
    const frames = graph.fn("FramesQueue subscriber");
    const ffmpegPath = frames.inputs.environment?.variables?.FFMPEG_PATH;
    expect(ffmpegPath).toMatch(/^\/var\/task\//);
    const inZip = ffmpegPath!.slice("/var/task/".length);
    const zip = join(graph.workDir, "artifacts", frames.component, "code.zip");
    const entries = zipEntries(zip).filter((entry) => entry.name === inZip);
    expect(entries.length, `${inZip} in ${frames.component}'s zip`).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.mode & 0o111, `${inZip} is executable`).toBe(0o111);
  });

  it("sharp is installed, at the version tested here, into exactly the functions that use it", () => {
    // SST installs a package only where `install` names it (tests/infra/sst-cli-stand-in.ts): a
    // function that fits images without it would fail on AWS at its first image.
    const usesSharp = ["POST /api/videos", "POST /api/images", "Site server"];
    const pinned = (file: string) =>
      (JSON.parse(readFileSync(join(repoRoot, file), "utf8")) as PackageJson).dependencies.sharp;
    for (const fn of graph.functions()) {
      const artifact = join(graph.workDir, "artifacts", `${fn.component}-src`);
      const manifest = join(artifact, "package.json");
      const installs = statSync(manifest, { throwIfNoEntry: false })
        ? (JSON.parse(readFileSync(manifest, "utf8")) as PackageJson).dependencies
        : {};
      const bundle = readFileSync(join(artifact, "bundle.mjs"), "utf8");
      if (usesSharp.includes(fn.id)) {
        // It does load sharp (when it fits an image), so the list above stays true.
        expect(bundle, `${fn.id} imports sharp`).toMatch(/import\("sharp"\)|from\s*"sharp"/);
        const from = fn.id === "Site server" ? "site/package.json" : "package.json";
        expect(installs, `${fn.id} installs`).toEqual({ sharp: pinned(from) });
      } else {
        // Nothing installed, and nothing that needs it at a cold start.
        expect(installs, `${fn.id} installs`).toEqual({});
        expect(bundle, `${fn.id} imports sharp at start`).not.toMatch(/from\s*"sharp"/);
      }
    }
    expect(pinned("site/package.json")).toBe(pinned("package.json"));
  });
});

describe("configuration", () => {
  it("the operator's text model reaches every place the tools run: the API and the site", () => {
    const environment = (id: string) => graph.fn(id).inputs.environment?.variables ?? {};
    for (const id of ["POST /api/prompts/improve", "POST /api/images", "Site server"]) {
      expect(environment(id).TAKES_TEXT_MODEL, id).toBe(TEXT_MODEL);
    }
  });

  it("a deploy with a secret left unset fails with SST's own message naming it", () => {
    expect(withoutServerSecret).toContain(
      "Set a value for ServerSecret with `sst secret set ServerSecret <value>`",
    );
  });
});

describe("the local stack's recording agrees with the real graph", () => {
  it("on the API's routes", () => {
    const routes = graph.all("aws:apigatewayv2/route:Route").map((route) => route.inputs.routeKey);
    expect(routes.sort()).toEqual(
      model.routes.map(({ method, path }) => `${method} ${path}`).sort(),
    );
  });

  it("on the queues, their settings and subscriptions", () => {
    const queues = Object.fromEntries(
      graph.all("aws:sqs/queue:Queue").map((queue) => [queue.name.replace(/Queue$/, ""), queue]),
    );
    expect(Object.keys(queues).sort()).toEqual(Object.keys(model.queues).sort());
    const subscribed = graph
      .functions()
      .filter((fn) => fn.id.endsWith(" subscriber"))
      .map((fn) => fn.id.replace(/ subscriber$/, ""));
    for (const [name, recorded] of Object.entries(model.queues)) {
      const queue = queues[name]!;
      expect(queue.inputs.visibilityTimeoutSeconds, `${name} visibility`).toBe(
        recorded.visibilityTimeout,
      );
      expect(queue.inputs.messageRetentionSeconds ?? 4 * 24 * 3600, `${name} retention`).toBe(
        recorded.retention,
      );
      const redrive = JSON.parse(String(queue.inputs.redrivePolicy ?? "null")) as {
        deadLetterTargetArn: string;
        maxReceiveCount: number;
      } | null;
      expect(
        redrive && {
          queue: graph
            .named("aws:sqs/queue:Queue", redrive.deadLetterTargetArn)
            .name.replace(/Queue$/, ""),
          retry: redrive.maxReceiveCount,
        },
        `${name} dead-letter queue`,
      ).toEqual(recorded.dlq ?? null);
      expect(subscribed.includes(name), `${name} has a subscriber`).toBe(
        Boolean(recorded.subscriber),
      );
      if (recorded.subscriber) {
        const fn = graph.fn(`${name} subscriber`);
        expect(fn.inputs.timeout, `${name} subscriber timeout`).toBe(
          recorded.subscriber.fn.timeout,
        );
      }
    }
  });

  it("on the bucket's notifications", () => {
    const [notification] = graph.all("aws:s3/bucketNotification:BucketNotification");
    const queues = (notification?.inputs.queues ?? []) as Array<{
      id: string;
      queueArn: string;
      events: string[];
      filterPrefix?: string;
      filterSuffix?: string;
    }>;
    expect(
      queues.map(({ id, queueArn, events, filterPrefix, filterSuffix }) => ({
        name: id,
        queue: graph.named("aws:sqs/queue:Queue", queueArn).name.replace(/Queue$/, ""),
        events,
        filterPrefix,
        filterSuffix,
      })),
    ).toEqual(
      model.bucketNotifications.map(({ bucket: _bucket, ...notification }) => notification),
    );
  });

  it("on the schedules", () => {
    const schedules = graph.all("aws:scheduler/schedule:Schedule").map((schedule) => ({
      name: schedule.name.replace(/Schedule$/, ""),
      schedule: schedule.inputs.scheduleExpression,
      timeout: graph.fn(`${schedule.name.replace(/Schedule$/, "")} schedule`).inputs.timeout,
    }));
    expect(schedules).toEqual(
      model.schedules.map(({ name, schedule, fn }) => ({ name, schedule, timeout: fn.timeout })),
    );
  });
});
