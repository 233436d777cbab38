/**
 * Provider calls per job, and the lag from a provider finishing a video to Takes having it in S3,
 * for 50 concurrent jobs over a mix of providers and models: Takes' strategy (adaptive polling,
 * plus per-job webhooks where the provider takes them) against polling every 5 seconds.
 *
 * Everything is Takes' own code on loopback: jobs are created with core/videos `createVideo` and
 * polled by the real poller handler (functions/queues/poller → core/pipeline/poll.ts `pollJob`,
 * which copies with core/media/copy.ts), fed by the local runtime's SQS event-source mapping from
 * the real PollQueue (fauxqs, with its DelaySeconds), the jobs in DynamoDB Local. The providers
 * are the emulator's OpenAI-shaped, Runway and fal mounts behind a proxy that counts their
 * requests (bench/provider-calls.ts). Webhooks reach a small server here that hands them to
 * core/webhooks.ts, as the API's webhook route does. The fixed baseline is the same pipeline with
 * each poll message's DelaySeconds rewritten to 5 on its way to SQS, and webhooks dropped.
 */
import "./quiet-logs";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SendMessageCommandInput } from "@aws-sdk/client-sqs";
import { s3Client, sqsClient } from "#core/aws";
import { resolveCredential } from "#core/credentials";
import { TakesError } from "#core/errors";
import { getJob } from "#core/jobs/repository";
import { isTerminal } from "#core/jobs/state";
import { mediaKey } from "#core/media/layout";
import { expectedGenerationSeconds } from "#core/providers/declarations";
import { getProvider } from "#core/providers/index";
import { createVideo } from "#core/videos/create";
import { acceptProviderWebhook } from "#core/webhooks";
import { resourcesJson, startLinkedResources } from "#local/link";
import { createProviderEmulator } from "#local/providers/server";
import { ProviderCalls, startCountingProxy } from "./provider-calls";
import { startPollQueueMapping } from "./poll-pipeline";
import { reuseRenders } from "./reused-renders";
import { fixed, mean, median, percentile, printHeading, printTable, ratio } from "./support";

const JOBS = 50;
const SIZE = "1280x720";
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A provider's model and the lengths its jobs cycle through (each one the model declares). */
interface Mix {
  provider: string;
  model: string;
  seconds: readonly number[];
}

/** Jobs go round-robin over these. */
const MIX: readonly Mix[] = [
  { provider: "openai", model: "sora-2", seconds: [4, 8, 12] },
  { provider: "runway", model: "gen4.5", seconds: [6, 8, 10] },
  { provider: "runway", model: "veo3.1", seconds: [4, 6, 8] },
  { provider: "fal", model: "veo3.1", seconds: [4, 6, 8] },
  { provider: "fal", model: "kling-v3-standard", seconds: [5, 10, 15] },
];

/**
 * A fresh key in each provider's own format for every job: one person per job, each well within
 * their own rate limits (the emulator's Runway also runs only two tasks per key and model at once).
 */
const FRESH_KEYS: Record<string, () => string> = {
  openai: () => `sk-${hex(24)}`,
  runway: () => `key_${hex(32)}`,
  fal: () => `${randomUUID()}:${hex(16)}`,
};

const mixName = (mix: Pick<Mix, "provider" | "model">) => `${mix.provider} ${mix.model}`;

/** The emulator takes 20 s + 2.5 s per output second to "generate", whatever the model. */
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

/**
 * By default every job's "render" is a copy of a clip the emulator's renderer made once, up front:
 * 50 real renders queue behind the emulator's two ffmpeg slots for minutes on 2 cores, so jobs
 * would finish when their render does (at 99% until then), not on the emulator's clock.
 */
const REAL_RENDERS = process.argv.includes("--real-renders");
/** Takes' strategy without webhooks: adaptive polling alone (fal's deliveries are dropped). */
const NO_WEBHOOKS = process.argv.includes("--no-webhooks");

/** The strategies' names, as the tables show them. */
const WITH_WEBHOOKS = "adaptive + webhooks";
const TAKES = NO_WEBHOOKS ? "adaptive, no webhooks" : WITH_WEBHOOKS;
const FIXED = `fixed ${FIXED_DELAY_SECONDS} s`;

const load = () => loadavg()[0]!.toFixed(2);

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

/**
 * Takes' webhook route, `POST /api/webhooks/{provider}`, served by core/webhooks.ts as the API's
 * handler serves it; while `accept` is off it answers 200 and does nothing (polling only).
 */
async function startWebhookReceiver() {
  const receiver = {
    url: "",
    accept: true,
    counts: { received: 0, polled: 0, refused: 0 },
    close() {},
  };
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const provider = /^\/api\/webhooks\/([a-z]+)$/.exec(path)?.[1];
    if (req.method !== "POST" || !provider) return res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    receiver.counts.received++;
    if (!receiver.accept) return res.writeHead(200).end();
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(", ") : value,
      ]),
    );
    try {
      const { polledJobId } = await acceptProviderWebhook(provider, {
        body: Buffer.concat(chunks),
        headers,
      });
      if (polledJobId) receiver.counts.polled++;
      res.writeHead(202).end();
    } catch (error) {
      receiver.counts.refused++;
      console.error(`webhook from ${provider} refused:`, (error as Error).message);
      res.writeHead(error instanceof TakesError ? error.status : 500).end();
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return receiver;
}

/** What the emulator was told for one job, when it was created: how long it "generates". */
interface Nominal {
  seconds: number;
  /** Its provider create time plus that generation time: when the job should be done. */
  doneAt: number;
}

/** The emulator's jobs of the run under way, in creation order (its generationMs calls). */
const nominals: Nominal[] = [];

interface JobResult {
  mix: string;
  seconds: number;
  polls: number;
  providerCalls: number;
  /** The job's nominal completion to the video stored in S3, in seconds. */
  lag: number;
  /** The part of the lag before the poll that found the video done. */
  detection: number;
  /** The rest: the copy lease, result reads, the download and the upload. */
  copy: number;
  /** sora-2 only: the emulator's completed_at (whole seconds) minus the nominal completion. */
  emulatorLate?: number;
}

interface Run {
  results: JobResult[];
  unfinished: number;
  wallSeconds: number;
  webhooks: { received: number; polled: number; refused: number };
  unattributed: Map<string, number>;
}

async function runStrategy(
  strategy: string,
  proxy: { calls: ProviderCalls },
  receiver: Awaited<ReturnType<typeof startWebhookReceiver>>,
  storedAt: Map<string, number>,
): Promise<Run> {
  nominals.length = 0;
  const calls = (proxy.calls = new ProviderCalls());
  const webhooks = (receiver.counts = { received: 0, polled: 0, refused: 0 });
  receiver.accept = strategy === WITH_WEBHOOKS;
  pollDelay.fixedSeconds = strategy === FIXED ? FIXED_DELAY_SECONDS : undefined;
  const started = Date.now();

  const jobs = [];
  for (let index = 0; index < JOBS; index++) {
    const mix = MIX[index % MIX.length]!;
    const seconds = mix.seconds[Math.floor(index / MIX.length) % mix.seconds.length]!;
    const prompt = `benchmark take ${index + 1}: a lighthouse in fog`;
    // The key is sealed on the job, as the API does it, for the poller to act with.
    const caller = await resolveCredential(FRESH_KEYS[mix.provider]!());
    const request = { prompt, provider: mix.provider, model: mix.model, seconds, size: SIZE };
    const { id } = await createVideo(caller, request);
    // The emulator asks generationMs once per job, at create: the n-th answer is the n-th job's.
    if (nominals.length !== index + 1 || nominals[index]!.seconds !== seconds) {
      throw new Error(`The emulator's generation times are out of step at job ${index + 1}.`);
    }
    jobs.push({ id, mix: mixName(mix), seconds, nominal: nominals[index]!.doneAt });
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
      const elapsed = fixed((lastReport - started) / 1000, 0);
      console.log(
        `  ${strategy}: ${JOBS - pending.size}/${JOBS} done after ${elapsed} s (load ${load()})`,
      );
    }
  }

  const results: JobResult[] = [];
  for (const { id, mix, seconds, nominal } of jobs) {
    const job = await getJob(id);
    const stored = job && storedAt.get(mediaKey(job, "video"));
    if (!job || job.status !== "completed" || !stored) continue;
    const { polls, other, foundAt = stored } = calls.of(job.providerJobId);
    results.push({
      mix,
      seconds,
      polls,
      providerCalls: polls + other,
      lag: (stored - nominal) / 1000,
      detection: (foundAt - nominal) / 1000,
      copy: (stored - foundAt) / 1000,
      emulatorLate:
        job.provider === "openai" && job.providerCompletedAt
          ? (Date.parse(job.providerCompletedAt) - nominal) / 1000
          : undefined,
    });
  }
  return {
    results,
    unfinished: JOBS - results.length,
    wallSeconds: (Date.now() - started) / 1000,
    webhooks,
    unattributed: calls.unattributed,
  };
}

function stats(results: readonly JobResult[]) {
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
}

const expected = (mix: Mix) =>
  mix.seconds
    .map((seconds) =>
      expectedGenerationSeconds({ provider: mix.provider, model: mix.model, seconds }),
    )
    .join("/");

printHeading(
  "Takes' polling (adaptive, with webhooks where the provider takes them) vs polling every 5 s",
  `${JOBS} ${SIZE} jobs created together, round-robin over ${MIX.length} providers' models on the ` +
    `provider emulator, each with a fresh key of its own;\n` +
    `the emulator "generates" for 20 s + 2.5 s per output second ± ${SPREAD_SECONDS / 2} s ` +
    `(the same sequence in both runs), whatever the model.\n` +
    (REAL_RENDERS
      ? "Every job rendered by the emulator (--real-renders): on 2 cores, jobs finish when their render does.\n"
      : "Each job's render is a copy of a clip the emulator rendered once up front (see --real-renders).\n") +
    `Real pipeline (createVideo → PollQueue → poller → pollJob → copy) on loopback; provider ` +
    `requests counted at a proxy in front of the emulator.\n` +
    `${TAKES}: Takes' schedule; fal's per-job webhooks ` +
    (NO_WEBHOOKS ? "dropped (--no-webhooks)" : "reach core/webhooks.ts, which polls at once") +
    `. ${FIXED}: every poll ${FIXED_DELAY_SECONDS} s after the last, fal's webhooks dropped.\n` +
    `Lag = video stored in S3 minus the job's nominal completion (its provider create time plus ` +
    `the generation time the emulator was given).`,
);
printTable(
  ["provider model", "lengths", "emulator takes", "Takes expects", "progress"],
  MIX.map((mix) => [
    mixName(mix),
    `${mix.seconds.join("/")} s`,
    `${mix.seconds.map(emulatorSeconds).join("/")} s`,
    `${expected(mix)} s`,
    getProvider(mix.provider).reportsProgress ? "reported" : "none",
  ]),
);

const proxy = await startCountingProxy();
const receiver = await startWebhookReceiver();
// Every provider's adapter at the proxy; its SDK clients are made per call, after this.
process.env.RUNWAYML_BASE_URL = `${proxy.url}/runway`;
process.env.TAKES_FAL_URL = `${proxy.url}/fal`;
const secrets = {
  // The operator's key, for access-code jobs; these jobs carry their own.
  ProviderKey: "sk-bench-operator",
  ProviderBaseUrl: `${proxy.url}/v1`,
  ServerSecret: randomBytes(32).toString("base64"),
};
const aws = await startLinkedResources({ stage: "bench", secrets });
// Api linked too, so createVideo hands providers that take one a per-job webhook URL.
process.env.SST_RESOURCES_JSON = resourcesJson(aws.model, {
  stage: "bench",
  secrets,
  queueUrls: aws.queueUrls,
  apiUrl: receiver.url,
});
const clips = await mkdtemp(join(tmpdir(), "takes-bench-polling-"));
let eventSource: ReturnType<typeof startPollQueueMapping> | undefined;
let emulator: Awaited<ReturnType<typeof createProviderEmulator>> | undefined;
try {
  if (!REAL_RENDERS) {
    await reuseRenders(
      clips,
      MIX.flatMap((mix) => mix.seconds),
      SIZE,
    );
  }
  // One emulator for both runs (its fal webhook keys stay the ones Takes fetched and cached).
  emulator = await createProviderEmulator({
    port: 0,
    generationMs: (seconds) => {
      const ms = (emulatorSeconds(seconds) + spreadSeconds(nominals.length)) * 1000;
      nominals.push({ seconds, doneAt: Date.now() + ms });
      return ms;
    },
  });
  proxy.target = emulator.url;
  const storedAt = recordStoredTimes();
  overridePollDelays();
  eventSource = startPollQueueMapping(aws);

  const runs = new Map<string, Run>();
  for (const strategy of [TAKES, FIXED] as const) {
    runs.set(strategy, await runStrategy(strategy, proxy, receiver, storedAt));
  }
  console.log(
    `load average at the end ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}\n`,
  );

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
      const s = stats(results);
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
    "calls/job = every request of the job that passed the proxy: the create, status polls, and " +
      "the copy's:\n" +
      "  openai 3 downloads (video, thumbnail, spritesheet); runway 1 task read for a fresh " +
      "output URL; fal 2 result reads.\n" +
      "  Not counted: Runway's output URLs and fal's CDN URLs name the emulator itself, so those " +
      "video downloads go around the proxy.\n" +
      "lag = found after (nominal completion to the poll that saw the job done) + copy took " +
      "(that poll to the video stored); medians\n",
  );

  const takes = stats(runs.get(TAKES)!.results);
  const baseline = stats(runs.get(FIXED)!.results);
  printTable(
    [`${TAKES} / ${FIXED}`, "polls mean", "polls p95", "lag median", "lag p95"],
    [
      [
        "ratio",
        ratio(takes.pollsMean, baseline.pollsMean),
        ratio(takes.pollsP95, baseline.pollsP95),
        ratio(takes.lagMedian, baseline.lagMedian),
        ratio(takes.lagP95, baseline.lagP95),
      ],
    ],
  );

  printTable(
    [
      "provider model",
      "strategy",
      "jobs",
      "polls/job",
      "calls/job",
      "lag median",
      "p95",
      "found after",
    ],
    MIX.flatMap((mix) =>
      strategies.map((strategy) => {
        const results = runs.get(strategy)!.results.filter((r) => r.mix === mixName(mix));
        const s = stats(results);
        return [
          mixName(mix),
          strategy,
          String(results.length),
          fixed(s.pollsMean),
          fixed(s.callsMean),
          `${fixed(s.lagMedian)} s`,
          `${fixed(s.lagP95)} s`,
          `${fixed(s.detectionMedian)} s`,
        ];
      }),
    ),
  );

  for (const strategy of strategies) {
    const { webhooks, unattributed, results, wallSeconds } = runs.get(strategy)!;
    const late = results.flatMap((result) => result.emulatorLate ?? []);
    const other = [...unattributed].map(([call, count]) => `${count}× ${call}`).join(", ");
    console.log(
      `${strategy}: ${fixed(wallSeconds, 0)} s wall; webhooks received ${webhooks.received}, ` +
        (strategy === WITH_WEBHOOKS
          ? `polled at once ${webhooks.polled}, refused ${webhooks.refused}`
          : "all dropped") +
        `; sora-2's completed_at minus nominal (whole seconds) median ` +
        `${fixed(median(late))} s, max ${fixed(Math.max(...late))} s` +
        (other ? `; calls no job can be named for: ${other}` : ""),
    );
  }
} finally {
  await eventSource?.stop();
  await emulator?.close();
  proxy.close();
  receiver.close();
  await aws.stop();
  await rm(clips, { recursive: true, force: true });
}
