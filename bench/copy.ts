/**
 * Peak memory and throughput of Takes' streaming copy (core/media/storage.ts `streamToBucket`)
 * against a naive copy (the whole download into a Buffer, then one PutObject), for a 50 MB and a
 * 500 MB video; and how near the copy runs to the machine's floor: the slower of its two legs
 * measured alone in the same run (a raw download of the provider's file, a raw multipart upload
 * of the same bytes to S3).
 *
 * The "provider" is an HTTP server on 127.0.0.1 that makes deterministic bytes as they are read
 * (bench/copy-source.ts), in a process of its own; S3 is fauxqs on loopback (object bodies kept
 * as files), in this process. Each run is a child process of its own (bench/copy-run.ts), so its
 * peak RSS is its own.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { PART_SIZE, QUEUE_SIZE } from "#core/media/storage";
import { localBucketName } from "#local/aws/resources";
import { startLinkedResources } from "#local/link";
import type { CopyRun, Strategy } from "./copy-run";
import { fixed, MB, median, MiB, printHeading, printTable, ratio } from "./support";

const SIZES = [50 * MB, 500 * MB];
/** The two copies, whose memory is compared. */
const COPIES: readonly Strategy[] = ["streaming", "naive"];
/** The copies and each leg alone (bench/copy-run.ts). */
const STRATEGIES: readonly Strategy[] = [...COPIES, "download", "upload"];
/** Runs per size and strategy; the table shows medians. */
const REPETITIONS = 3;
const BUCKET = localBucketName("Media");

/**
 * The source in a process of its own: sharing this one with fauxqs, a copy's download and upload
 * would take turns on one thread, so the copy could never overlap its two legs.
 */
async function startSourceProcess(): Promise<{ url: string; stop: () => void }> {
  const script = join(import.meta.dirname, "copy-source-server.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the source exited with ${code}`)));
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8").trim()));
  });
  return { url, stop: () => child.kill() };
}

/** One copy in a fresh Node process (this one's Node, with tsx). */
function runCopy(strategy: Strategy, sourceUrl: string, key: string): Promise<CopyRun> {
  const script = join(import.meta.dirname, "copy-run.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, strategy, sourceUrl, key], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${strategy} copy exited with ${code}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()!) as CopyRun);
    });
  });
}

const kibToMib = (kib: number) => kib / 1024;
const label = (bytes: number) => `${bytes / MB} MB`;

printHeading(
  "Streaming copy vs download-then-put",
  `Takes' streamToBucket (${PART_SIZE / MiB} MiB parts, ${QUEUE_SIZE} in flight) against a naive ` +
    `copy (whole body in a Buffer, then uploaded), from a loopback HTTP source into fauxqs S3;\n` +
    `and each leg alone: a raw download, and a raw multipart upload of the same bytes (same parts).\n` +
    `Each run in its own process; median of ${REPETITIONS} runs. MB = 10^6 bytes.`,
);

const storage = await mkdtemp(join(tmpdir(), "takes-bench-copy-"));
// Object bodies as files, not in this process's memory.
const aws = await startLinkedResources({
  tables: false,
  stage: "bench",
  aws: { s3StorageDir: storage },
});
const source = await startSourceProcess();
try {
  const runs = new Map<string, CopyRun[]>();
  const runsOf = (size: number, strategy: Strategy) => runs.get(`${size} ${strategy}`) ?? [];
  for (const size of SIZES) {
    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      // Alternating strategies spreads the machine's drift over both.
      for (const strategy of STRATEGIES) {
        const key = `videos/bench/${strategy}-${size}-${repetition}/video.mp4`;
        const run = await runCopy(strategy, `${source.url}/video?bytes=${size}`, key);
        // The download leg stores nothing; every other run must have stored the whole file.
        const stored =
          strategy === "download"
            ? size
            : (await aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))
                .ContentLength;
        if (run.bytes !== size || stored !== size) {
          throw new Error(`${strategy} ${label(size)}: moved ${run.bytes}, stored ${stored}`);
        }
        if (strategy !== "download") {
          await aws.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        }
        runs.set(`${size} ${strategy}`, [...runsOf(size, strategy), run]);
        console.log(
          `  ${label(size)} ${strategy} #${repetition}: ${fixed(size / MB / run.seconds)} MB/s, ` +
            `RSS ${fixed(kibToMib(run.startKiB), 0)} → peak ${fixed(kibToMib(run.peakKiB), 0)} MiB`,
        );
      }
    }
  }
  console.log();

  const summary = (size: number, strategy: Strategy) => {
    const measured = runsOf(size, strategy);
    return {
      mbPerSecond: median(measured.map((run) => size / MB / run.seconds)),
      peakMib: median(measured.map((run) => kibToMib(run.peakKiB))),
      startMib: median(measured.map((run) => kibToMib(run.startKiB))),
    };
  };
  const rows = SIZES.flatMap((size) =>
    STRATEGIES.map((strategy) => {
      const { mbPerSecond, peakMib, startMib } = summary(size, strategy);
      return [
        label(size),
        strategy,
        fixed(mbPerSecond),
        fixed(peakMib, 0),
        fixed(peakMib - startMib, 0),
      ];
    }),
  );
  printTable(["size", "strategy", "MB/s", "peak RSS MiB", "growth MiB"], rows);
  console.log("growth = peak RSS minus the RSS the process had reached before the copy began\n");

  console.log(
    `load average after the runs: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}\n`,
  );

  printTable(
    ["size", "memory streaming/naive", "throughput streaming/naive"],
    SIZES.map((size) => {
      const streamed = summary(size, "streaming");
      const buffered = summary(size, "naive");
      return [
        label(size),
        ratio(streamed.peakMib, buffered.peakMib),
        ratio(streamed.mbPerSecond, buffered.mbPerSecond),
      ];
    }),
  );

  printTable(
    ["size", "download MB/s", "upload MB/s", "streaming MB/s", "streaming/slower leg"],
    SIZES.map((size) => {
      const legs = ["download", "upload"].map((leg) => summary(size, leg as Strategy).mbPerSecond);
      const streamed = summary(size, "streaming").mbPerSecond;
      return [
        label(size),
        fixed(legs[0]!),
        fixed(legs[1]!),
        fixed(streamed),
        ratio(streamed, Math.min(...legs)),
      ];
    }),
  );

  const [small, large] = SIZES as [number, number];
  printTable(
    ["strategy", `peak at ${label(small)}`, `peak at ${label(large)}`, "large/small"],
    COPIES.map((strategy) => {
      const atSmall = summary(small, strategy).peakMib;
      const atLarge = summary(large, strategy).peakMib;
      return [strategy, fixed(atSmall, 0), fixed(atLarge, 0), ratio(atLarge, atSmall)];
    }),
  );
} finally {
  source.stop();
  await aws.stop();
  await rm(storage, { recursive: true, force: true });
}
