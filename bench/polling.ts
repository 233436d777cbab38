/**
 * Provider calls per job, and the lag from the provider finishing a video to Takes having it in
 * S3, for 50 concurrent jobs: Takes' adaptive polling against polling every 5 seconds.
 *
 * Everything is Takes' own code on loopback: jobs are created with core/videos.ts `createVideo`
 * and polled by the real poller handler (functions/queues/poller → core/polling/poll.ts `pollJob`,
 * which copies with core/media/copy.ts), fed by the local runtime's SQS event-source mapping from
 * the real PollQueue (fauxqs, with its DelaySeconds), the jobs in DynamoDB Local. The provider is
 * the emulator, webhooks off, behind a proxy that counts its requests. The fixed baseline is the
 * same pipeline with each poll message's DelaySeconds rewritten to 5 on its way to SQS.
 */
import "./quiet-logs";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SendMessageCommandInput } from "@aws-sdk/client-sqs";
import { s3Client, sqsClient } from "#core/aws";
import { resolveCredential } from "#core/credentials";
import { mediaKey } from "#core/media/layout";
import { getJob } from "#core/jobs/repository";
import { isTerminal } from "#core/jobs/state";
import { expectedGenerationSeconds } from "#core/providers/index";
import { createVideo } from "#core/videos/index";
import {
  Renderer,
  SPRITESHEET_FILE,
  THUMBNAIL_FILE,
  VIDEO_FILE,
  type RenderRequest,
} from "#local/providers/shared/render";
import { createProviderEmulator } from "#local/providers/server";
import { startLinkedResources } from "#local/link";
import { invoke } from "#local/runtime/lambda";
import { startSqsEventSources } from "#local/runtime/sqs-event-source";
import { fixed, mean, median, percentile, printHeading, printTable, ratio } from "./support";

const JOBS = 50;
const MODEL = "sora-2";
const SIZE = "1280x720";
/** Output lengths, in turn; the emulator takes 20 s + 2.5 s per output second to "generate". */
const OUTPUT_SECONDS = [4, 8, 12];
const emulatorSeconds = (seconds: number) => 20 + 2.5 * seconds;
/**
 * Each job takes its nominal time plus an offset spread evenly over ±SPREAD_SECONDS / 2 (the
 * golden-ratio sequence, the same in both runs). Without it every job would end on a multiple of
 * 5 s after its creation, exactly when the fixed baseline looks.
 */
const SPREAD_SECONDS = 10;
const GOLDEN_RATIO = (1 + Math.sqrt(5)) / 2;
const spreadSeconds = (index: number) => (((index * GOLDEN_RATIO) % 1) - 0.5) * SPREAD_SECONDS;
const FIXED_DELAY_SECONDS = 5;
/** A strategy that has not stored every video by then is reported with what it has. */
const STRATEGY_TIMEOUT_MS = 10 * 60_000;
const REGION = "us-east-1";

/**
 * By default every job's "render" is a copy of a clip the emulator's renderer made once, up front:
 * 50 real renders queue behind the emulator's two ffmpeg slots for minutes on 2 cores, so jobs
 * would finish when their render does (at 99% until then), not on the emulator's clock.
 */
const REAL_RENDERS = process.argv.includes("--real-renders");

type Strategy = "adaptive" | "fixed 5 s";

/**
 * Renders one clip per output length with the emulator's own Renderer, then makes every render
 * of the emulator (in this process) a copy of the clip of the same length.
 */
async function reuseRenders(dir: string) {
  const renderer = new Renderer();
  const clips = new Map<number, string>();
  for (const seconds of OUTPUT_SECONDS) {
    const clip = join(dir, `${seconds}s`);
    await mkdir(clip);
    const [width = 0, height = 0] = SIZE.split("x").map(Number);
    await renderer.render({ dir: clip, prompt: "a lighthouse in fog", seconds, width, height });
    clips.set(seconds, clip);
  }
  await renderer.close();
  const render = Renderer.prototype.render;
  Renderer.prototype.render = async function (
    this: Renderer,
    request: RenderRequest,
    signal?: AbortSignal,
  ) {
    const clip = clips.get(request.seconds);
    if (!clip || request.referenceImage) return render.call(this, request, signal);
    const files = [VIDEO_FILE, THUMBNAIL_FILE, SPRITESHEET_FILE];
    await Promise.all(files.map((file) => copyFile(join(clip, file), join(request.dir, file))));
  };
}

/** Status polls and downloads the provider received, per provider video id. */
class ProviderCalls {
  readonly status = new Map<string, number>();
  readonly downloads = new Map<string, number>();
  /** When each video's status was last asked for: the poll that found it completed. */
  readonly lastStatusAt = new Map<string, number>();

  record(method: string, path: string) {
    const match = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(path);
    if (!match || method !== "GET") return;
    const [, id = "", content] = match;
    const counts = content ? this.downloads : this.status;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    if (!content) this.lastStatusAt.set(id, Date.now());
  }
}

/** A loopback proxy in front of the provider emulator; `target` and `calls` change per strategy. */
async function startCountingProxy() {
  const proxy = { url: "", target: "", calls: new ProviderCalls(), close: () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    proxy.calls.record(req.method ?? "", path);
    const target = new URL(req.url ?? "/", proxy.target);
    const upstream = request(target, { method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return proxy;
}

/** When each video landed in S3, by key: when its PutObject or CompleteMultipartUpload returned. */
function recordStoredTimes(): Map<string, number> {
  const storedAt = new Map<string, number>();
  s3Client().middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const key = (args.input as { Key?: string }).Key ?? "";
      const finishes = ["PutObjectCommand", "CompleteMultipartUploadCommand"];
      if (finishes.includes(context.commandName ?? "") && key.endsWith("/video.mp4")) {
        storedAt.set(key, Date.now());
      }
      return result;
    },
    { step: "initialize", name: "benchStoredAt" },
  );
  return storedAt;
}

/**
 * Makes every poll Takes enqueues wait `pollDelay.fixedSeconds` instead of its own delay, while
 * that is set. Call once the SQS endpoint is in the environment (the client is made on first use).
 */
const pollDelay: { fixedSeconds?: number } = {};
function overridePollDelays() {
  sqsClient().middlewareStack.add(
    (next, context) => (args) => {
      if (pollDelay.fixedSeconds === undefined || context.commandName !== "SendMessageCommand") {
        return next(args);
      }
      const input = { ...(args.input as SendMessageCommandInput) };
      input.DelaySeconds = pollDelay.fixedSeconds;
      return next({ ...args, input });
    },
    { step: "initialize", name: "benchFixedPollDelay" },
  );
}

interface JobResult {
  seconds: number;
  polls: number;
  providerCalls: number;
  /** Provider completed_at (whole seconds) to the video stored in S3, in seconds. */
  lag: number;
  /** The part of the lag before the poll that found the video completed. */
  detection: number;
  /** The rest: that poll, the copy lease, the download and the upload. */
  copy: number;
  /** Job created to provider completed_at, in seconds. */
  providerTook: number;
}

async function runStrategy(
  strategy: Strategy,
  proxy: Awaited<ReturnType<typeof startCountingProxy>>,
  storedAt: Map<string, number>,
): Promise<{ results: JobResult[]; unfinished: number; wallSeconds: number }> {
  let created = 0;
  const emulator = await createProviderEmulator({
    port: 0,
    generationMs: (seconds) => (emulatorSeconds(seconds) + spreadSeconds(created++)) * 1000,
  });
  proxy.target = emulator.url;
  proxy.calls = new ProviderCalls();
  pollDelay.fixedSeconds = strategy === "adaptive" ? undefined : FIXED_DELAY_SECONDS;
  // One person per job, each with their own key (sealed on the job, as the API does it): 50
  // people's jobs at once, each well within its owner's rate limit.
  const run = randomBytes(4).toString("hex");
  const started = Date.now();
  try {
    const jobs = [];
    for (let index = 0; index < JOBS; index++) {
      const seconds = OUTPUT_SECONDS[index % OUTPUT_SECONDS.length]!;
      const prompt = `benchmark take ${index + 1}: a lighthouse in fog`;
      const caller = await resolveCredential(`sk-bench-${run}-${index}`);
      const request = { prompt, model: MODEL, seconds, size: SIZE };
      jobs.push({ id: (await createVideo(caller, request)).id, seconds });
    }

    const pending = new Set(jobs.map((job) => job.id));
    let lastReport = Date.now();
    while (pending.size > 0 && Date.now() - started < STRATEGY_TIMEOUT_MS) {
      await sleep(2_000);
      for (const id of pending) {
        const job = await getJob(id);
        if (job && isTerminal(job.status)) pending.delete(id);
      }
      if (Date.now() - lastReport >= 20_000) {
        lastReport = Date.now();
        const elapsed = (lastReport - started) / 1000;
        console.log(
          `  ${strategy}: ${JOBS - pending.size}/${JOBS} done after ${fixed(elapsed, 0)} s`,
        );
      }
    }

    const results: JobResult[] = [];
    for (const { id, seconds } of jobs) {
      const job = await getJob(id);
      const stored = job && storedAt.get(mediaKey(job, "video"));
      if (!job || job.status !== "completed" || !stored || !job.providerCompletedAt) continue;
      const completed = Date.parse(job.providerCompletedAt);
      const polls = proxy.calls.status.get(job.providerJobId) ?? 0;
      const downloads = proxy.calls.downloads.get(job.providerJobId) ?? 0;
      const found = proxy.calls.lastStatusAt.get(job.providerJobId) ?? stored;
      results.push({
        seconds,
        polls,
        providerCalls: 1 + polls + downloads,
        lag: (stored - completed) / 1000,
        detection: (found - completed) / 1000,
        copy: (stored - found) / 1000,
        providerTook: (completed - Date.parse(job.createdAt)) / 1000,
      });
    }
    return {
      results,
      unfinished: JOBS - results.length,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await emulator.close();
  }
}

printHeading(
  "Adaptive polling vs polling every 5 s",
  `${JOBS} ${MODEL} ${SIZE} jobs created together on the provider emulator (webhooks off), ` +
    `${OUTPUT_SECONDS.join("/")} s of output in turn;\n` +
    `the emulator "generates" for ${OUTPUT_SECONDS.map(emulatorSeconds).join("/")} s ` +
    `± ${SPREAD_SECONDS / 2} s, ` +
    `Takes' schedule expects ${OUTPUT_SECONDS.map((s) => expectedGenerationSeconds({ provider: "openai", model: MODEL, seconds: s })).join("/")} s ` +
    `and corrects from the reported progress.\n` +
    (REAL_RENDERS
      ? "Every job rendered by the emulator (--real-renders): on 2 cores, jobs finish when their render does.\n"
      : "Each job's render is a copy of a clip the emulator rendered once up front (see --real-renders).\n") +
    `Real pipeline (createVideo → PollQueue → poller → pollJob → copy) on loopback; ` +
    `polls counted at a proxy in front of the emulator.\nLag = video stored in S3 minus the ` +
    `provider's completed_at (whole seconds, so each lag reads 0–1 s high).`,
);

const proxy = await startCountingProxy();
const aws = await startLinkedResources({
  stage: "bench",
  secrets: {
    // The operator's key, for access-code jobs; these jobs carry their own.
    ProviderKey: "sk-bench-operator",
    ProviderBaseUrl: `${proxy.url}/v1`,
    ServerSecret: randomBytes(32).toString("base64"),
  },
});
const clips = await mkdtemp(join(tmpdir(), "takes-bench-polling-"));
let eventSource: ReturnType<typeof startSqsEventSources> | undefined;
try {
  if (!REAL_RENDERS) await reuseRenders(clips);
  const { model, queueUrls, sqs } = aws;
  const storedAt = recordStoredTimes();
  overridePollDelays();
  // The PollQueue's mapping only (no frames worker): batches of 10, two pollers, as locally.
  eventSource = startSqsEventSources({
    model: { ...model, queues: { PollQueue: model.queues.PollQueue! } },
    queueUrls,
    region: REGION,
    sqs,
    waitTimeSeconds: 1,
    invoke: (fn, event) => invoke(fn, event, { region: REGION, log: console.error }),
    log: console.error,
  });

  const runs = new Map<Strategy, Awaited<ReturnType<typeof runStrategy>>>();
  for (const strategy of ["adaptive", "fixed 5 s"] as const) {
    runs.set(strategy, await runStrategy(strategy, proxy, storedAt));
  }
  console.log();

  const stats = (strategy: Strategy) => {
    const { results } = runs.get(strategy)!;
    const polls = results.map((result) => result.polls);
    const lags = results.map((result) => result.lag);
    return {
      pollsMean: mean(polls),
      pollsP95: percentile(polls, 95),
      callsMean: mean(results.map((result) => result.providerCalls)),
      lagMedian: median(lags),
      lagP95: percentile(lags, 95),
      detectionMedian: median(results.map((result) => result.detection)),
      copyMedian: median(results.map((result) => result.copy)),
    };
  };
  const strategies = [...runs.keys()];
  printTable(
    [
      "strategy",
      "jobs",
      "polls/job mean",
      "p95",
      "calls/job",
      "lag median",
      "p95",
      "found after",
      "copy took",
    ],
    strategies.map((strategy) => {
      const { results, unfinished } = runs.get(strategy)!;
      const s = stats(strategy);
      return [
        strategy,
        unfinished ? `${results.length} (+${unfinished} unfinished)` : String(results.length),
        fixed(s.pollsMean),
        fixed(s.pollsP95, 0),
        fixed(s.callsMean),
        `${fixed(s.lagMedian)} s`,
        `${fixed(s.lagP95)} s`,
        `${fixed(s.detectionMedian)} s`,
        `${fixed(s.copyMedian)} s`,
      ];
    }),
  );
  console.log(
    "calls/job = every provider request: create + status polls + 3 downloads\n" +
      "lag = found after (completed_at to the poll that saw it) + copy took (that poll to the " +
      "video stored); medians\n",
  );

  const adaptive = stats("adaptive");
  const baseline = stats("fixed 5 s");
  printTable(
    ["adaptive / fixed", "polls mean", "polls p95", "lag median", "lag p95"],
    [
      [
        "ratio",
        ratio(adaptive.pollsMean, baseline.pollsMean),
        ratio(adaptive.pollsP95, baseline.pollsP95),
        ratio(adaptive.lagMedian, baseline.lagMedian),
        ratio(adaptive.lagP95, baseline.lagP95),
      ],
    ],
  );

  // How long the provider really took: the emulator renders two videos at a time, so on a busy
  // machine many jobs finish after their nominal time (showing 99% until then).
  printTable(
    [
      "strategy",
      "output",
      "nominal",
      "provider took median",
      "max",
      "polls/job",
      "lag median",
      "found after",
    ],
    strategies.flatMap((strategy) =>
      OUTPUT_SECONDS.map((seconds) => {
        const results = runs.get(strategy)!.results.filter((result) => result.seconds === seconds);
        const took = results.map((result) => result.providerTook);
        return [
          strategy,
          `${seconds} s`,
          `${emulatorSeconds(seconds)} ± ${SPREAD_SECONDS / 2} s`,
          `${fixed(median(took))} s`,
          `${fixed(Math.max(...took))} s`,
          fixed(mean(results.map((result) => result.polls))),
          `${fixed(median(results.map((result) => result.lag)))} s`,
          `${fixed(median(results.map((result) => result.detection)))} s`,
        ];
      }),
    ),
  );
  console.log(
    strategies
      .map((strategy) => `${strategy}: ${fixed(runs.get(strategy)!.wallSeconds, 0)} s wall`)
      .join(", "),
  );
} finally {
  await eventSource?.stop();
  proxy.close();
  await aws.stop();
  await rm(clips, { recursive: true, force: true });
}
