/**
 * Throughput without loss: 200 creates sent at once, by 20 owners (10 each, a full minute of each
 * owner's create budget), through Takes' own pipeline on loopback — core/videos `createVideo`,
 * the real PollQueue (fauxqs) and the local runtime's SQS event-source mapping feeding the poller
 * handler, which copies each finished video into S3 — on the provider emulator's OpenAI-shaped
 * mount. Counts what was created, refused, completed, lost and duplicated (Takes' jobs, the
 * provider's jobs and the stored videos, each counted from its own store), and prints the wall
 * time and the polls each job took.
 */
import "./quiet-logs";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { resolveCredential } from "#core/credentials";
import { TakesError } from "#core/errors";
import type { Job } from "#core/jobs/model";
import { getJob, listJobs } from "#core/jobs/repository";
import { isTerminal } from "#core/jobs/state";
import { mediaKey } from "#core/media/layout";
import { createVideo } from "#core/videos/create";
import { localBucketName } from "#local/aws/resources";
import { startLinkedResources } from "#local/link";
import { createProviderEmulator } from "#local/providers/server";
import { startPollQueueMapping } from "./poll-pipeline";
import { reuseRenders } from "./reused-renders";
import { fixed, mean, median, percentile, printHeading, printTable } from "./support";

const OWNERS = 20;
const PER_OWNER = 10;
const SIZE = "1280x720";
const SECONDS = 4;
/** The emulator "generates" each job for this long, ± up to SPREAD_MS / 2 (golden-ratio spread). */
const GENERATION_MS = 30_000;
const SPREAD_MS = 10_000;
const GOLDEN_RATIO = (1 + Math.sqrt(5)) / 2;
/** Jobs still running then are reported as lost. */
const TIMEOUT_MS = 15 * 60_000;
const BUCKET = localBucketName("Media");
/** As bench/polling.ts: every render a copy of one clip made up front, unless --real-renders. */
const REAL_RENDERS = process.argv.includes("--real-renders");

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");

/** Every stored video's job id, as often as a video.mp4 is stored for it. */
async function storedVideos(s3: Awaited<ReturnType<typeof startLinkedResources>>["s3"]) {
  const perJob = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "videos/", ContinuationToken: token }),
    );
    for (const { Key = "" } of page.Contents ?? []) {
      const match = /^videos\/[^/]+\/([^/]+)\/video\.mp4$/.exec(Key);
      if (match) perJob.set(match[1]!, (perJob.get(match[1]!) ?? 0) + 1);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return perJob;
}

printHeading(
  "200 creates at once",
  `${OWNERS} owners × ${PER_OWNER} creates (each owner's whole create budget for a minute), all ` +
    `sent at once with createVideo; sora-2 ${SECONDS} s ${SIZE} on the provider emulator, each ` +
    `"generating" ${GENERATION_MS / 1000} s ± ${SPREAD_MS / 2000} s.\n` +
    (REAL_RENDERS
      ? "Every job rendered by the emulator (--real-renders): two ffmpeg slots for 200 renders.\n"
      : "Each job's render is a copy of one clip the emulator rendered up front (see --real-renders).\n") +
    "The real pipeline on loopback: PollQueue (fauxqs) → the local runtime's event-source " +
    "mapping (batches of 10, two pollers) → the poller → the copy into S3; jobs in DynamoDB Local.",
);

const clips = await mkdtemp(join(tmpdir(), "takes-bench-creates-"));
let emulator: Awaited<ReturnType<typeof createProviderEmulator>> | undefined;
let eventSource: ReturnType<typeof startPollQueueMapping> | undefined;
let aws: Awaited<ReturnType<typeof startLinkedResources>> | undefined;
try {
  if (!REAL_RENDERS) await reuseRenders(clips, [SECONDS], SIZE);
  let created = 0;
  emulator = await createProviderEmulator({
    port: 0,
    generationMs: () => GENERATION_MS + (((created++ * GOLDEN_RATIO) % 1) - 0.5) * SPREAD_MS,
  });
  aws = await startLinkedResources({
    stage: "bench",
    secrets: {
      ProviderKey: "sk-bench-operator",
      ProviderBaseUrl: `${emulator.url}/v1`,
      ServerSecret: randomBytes(32).toString("base64"),
    },
  });
  eventSource = startPollQueueMapping(aws);

  const keys = Array.from({ length: OWNERS }, () => `sk-bench-${hex(12)}`);
  const callers = await Promise.all(keys.map((key) => resolveCredential(key)));
  const started = Date.now();
  const creates = await Promise.allSettled(
    callers.flatMap((caller, owner) =>
      Array.from({ length: PER_OWNER }, (_, index) =>
        createVideo(caller, {
          prompt: `owner ${owner + 1}, take ${index + 1}: a lighthouse in fog`,
          model: "sora-2",
          seconds: SECONDS,
          size: SIZE,
        }),
      ),
    ),
  );
  const createSeconds = (Date.now() - started) / 1000;
  const ids = creates.flatMap((result) => (result.status === "fulfilled" ? [result.value.id] : []));
  const refusals = new Map<string, number>();
  for (const result of creates) {
    if (result.status === "fulfilled") continue;
    const reason = result.reason as Error;
    const code = reason instanceof TakesError ? `${reason.status} ${reason.code}` : reason.name;
    refusals.set(code, (refusals.get(code) ?? 0) + 1);
  }
  console.log(
    `${ids.length} of ${creates.length} creates answered in ${fixed(createSeconds)} s ` +
      `(load ${load()})`,
  );

  const pending = new Set(ids);
  let lastReport = Date.now();
  while (pending.size > 0 && Date.now() - started < TIMEOUT_MS) {
    await sleep(2_000);
    const states = await Promise.all([...pending].map((id) => getJob(id)));
    for (const job of states) if (job && isTerminal(job.status)) pending.delete(job.id);
    if (Date.now() - lastReport >= 20_000) {
      lastReport = Date.now();
      console.log(
        `  ${ids.length - pending.size}/${ids.length} ended after ` +
          `${fixed((lastReport - started) / 1000, 0)} s (load ${load()})`,
      );
    }
  }
  const wallSeconds = (Date.now() - started) / 1000;

  // Each count from its own store: Takes' table, the provider's records, the bucket.
  const jobs: Job[] = (
    await Promise.all(
      callers.map(async (caller) => (await listJobs(caller.ownerId, { limit: 100 })).jobs),
    )
  ).flat();
  const providerJobs = (
    await Promise.all(
      keys.map(async (key) => {
        const response = await fetch(`${emulator!.url}/v1/videos?limit=100`, {
          headers: { authorization: `Bearer ${key}` },
        });
        return ((await response.json()) as { data: unknown[] }).data.length;
      }),
    )
  ).reduce((sum, count) => sum + count, 0);
  const videos = await storedVideos(aws.s3);
  const byStatus = new Map<string, number>();
  for (const job of jobs) byStatus.set(job.status, (byStatus.get(job.status) ?? 0) + 1);
  const completed = jobs.filter((job) => job.status === "completed");
  const answered = new Set(ids);
  const withOneVideo = completed.filter(
    (job) => videos.get(job.id) === 1 && job.media.video?.key === mediaKey(job, "video"),
  ).length;
  const lost = ids.length - withOneVideo;
  const duplicated =
    jobs.filter((job) => !answered.has(job.id)).length +
    [...videos].filter(([id, count]) => count > 1 || !answered.has(id)).length;
  // Made at the provider for a create Takes refused (it gave up waiting for the answer).
  const providerOnly = Math.max(0, providerJobs - jobs.length);
  const polls = completed.map((job) => job.pollCount);
  const finishedAt = completed.map((job) => Date.parse(job.copiedAt!));

  printTable(
    ["creates sent", "answered", "refused", "Takes jobs", "provider jobs", "stored videos"],
    [
      [
        String(creates.length),
        String(ids.length),
        refusals.size ? [...refusals].map(([code, count]) => `${count}× ${code}`).join(", ") : "0",
        String(jobs.length),
        String(providerJobs),
        String([...videos.values()].reduce((sum, count) => sum + count, 0)),
      ],
    ],
  );
  printTable(
    ["completed with one video", "lost", "duplicated", "provider jobs Takes has not", "by status"],
    [
      [
        String(withOneVideo),
        String(lost),
        String(duplicated),
        String(providerOnly),
        [...byStatus].map(([status, count]) => `${status} ${count}`).join(", "),
      ],
    ],
  );
  printTable(
    ["wall s", "last copy s", "polls/job mean", "median", "p95", "max"],
    [
      [
        fixed(wallSeconds),
        fixed((Math.max(...finishedAt) - started) / 1000),
        fixed(mean(polls)),
        fixed(median(polls), 0),
        fixed(percentile(polls, 95), 0),
        fixed(Math.max(...polls), 0),
      ],
    ],
  );
  console.log(
    "lost = answered creates without exactly one stored video by the end; duplicated = Takes " +
      "jobs or stored videos no answered create made, and jobs stored twice; provider jobs Takes " +
      "has not = jobs the provider made for creates Takes refused.\n" +
      `load average at the end: ${load()}`,
  );
} finally {
  await eventSource?.stop();
  await emulator?.close();
  await aws?.stop();
  await rm(clips, { recursive: true, force: true });
}
