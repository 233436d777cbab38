/**
 * Peak memory and throughput of Takes' streaming copy (core/media/copy.ts `streamToBucket`:
 * lib-storage multipart, 8 MiB parts, 2 in flight) against a naive copy (the whole download into
 * a Buffer, then one PutObject), for a 50 MB and a 500 MB video.
 *
 * The "provider" is an HTTP server on 127.0.0.1 that makes deterministic bytes as they are read;
 * S3 is fauxqs on loopback (object bodies kept as files), both in this process. Each copy runs in
 * a child process of its own (bench/copy-run.ts), so its peak RSS is its own.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DeleteObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { PART_SIZE, QUEUE_SIZE } from "#core/media/storage";
import { localBucketName } from "#local/aws/resources";
import { startLinkedResources } from "#local/link";
import type { CopyRun, Strategy } from "./copy-run";
import { fixed, MB, median, MiB, printHeading, printTable, ratio } from "./support";

const SIZES = [50 * MB, 500 * MB];
const STRATEGIES: readonly Strategy[] = ["streaming", "naive"];
/** Runs per size and strategy; the table shows medians. */
const REPETITIONS = 3;
const BUCKET = localBucketName("Media");
const BLOCK = MiB;

/** A pseudo-random block (xorshift32, fixed seed): the same bytes on every run. */
function seededBlock(length: number): Buffer {
  const block = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let offset = 0; offset + 4 <= length; offset += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    block.writeInt32LE(state | 0, offset);
  }
  return block;
}

/** `total` bytes, made as they are read: the seeded block, each copy stamped with its index. */
function* deterministicBytes(total: number): Generator<Buffer> {
  const block = seededBlock(BLOCK);
  for (let offset = 0, index = 0; offset < total; offset += BLOCK, index++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(BLOCK, total - offset)));
    if (chunk.length >= 4) chunk.writeUInt32LE(index, 0);
    yield chunk;
  }
}

/** GET /video?bytes=N answers N deterministic bytes with a Content-Length, as a provider would. */
async function startSource(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const bytes = Number(new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("bytes"));
    if (!Number.isSafeInteger(bytes) || bytes <= 0) return res.writeHead(400).end();
    res.writeHead(200, { "content-type": "video/mp4", "content-length": bytes });
    Readable.from(deterministicBytes(bytes)).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
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
    `copy (whole body in a Buffer, then uploaded), from a loopback HTTP source into fauxqs S3.\n` +
    `Each copy in its own process; median of ${REPETITIONS} runs. MB = 10^6 bytes.`,
);

const storage = await mkdtemp(join(tmpdir(), "takes-bench-copy-"));
// Object bodies as files, not in this process's memory.
const aws = await startLinkedResources({
  tables: false,
  stage: "bench",
  aws: { s3StorageDir: storage },
});
const source = await startSource();
try {
  const runs = new Map<string, CopyRun[]>();
  const runsOf = (size: number, strategy: Strategy) => runs.get(`${size} ${strategy}`) ?? [];
  for (const size of SIZES) {
    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      // Alternating strategies spreads the machine's drift over both.
      for (const strategy of STRATEGIES) {
        const key = `videos/bench/${strategy}-${size}-${repetition}/video.mp4`;
        const run = await runCopy(strategy, `${source.url}/video?bytes=${size}`, key);
        const stored = await aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        if (run.bytes !== size || stored.ContentLength !== size) {
          throw new Error(
            `${strategy} ${label(size)}: copied ${run.bytes}, stored ${stored.ContentLength}`,
          );
        }
        await aws.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        runs.set(`${size} ${strategy}`, [...runsOf(size, strategy), run]);
        console.log(
          `  ${label(size)} ${strategy} #${repetition}: ${fixed(size / MB / run.seconds)} MB/s, ` +
            `RSS ${fixed(kibToMib(run.startKiB), 0)} → peak ${fixed(kibToMib(run.peakKiB), 0)} MiB, ` +
            `stored ${stored.ContentLength} bytes`,
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

  const [small, large] = SIZES as [number, number];
  printTable(
    ["strategy", `peak at ${label(small)}`, `peak at ${label(large)}`, "large/small"],
    STRATEGIES.map((strategy) => {
      const atSmall = summary(small, strategy).peakMib;
      const atLarge = summary(large, strategy).peakMib;
      return [strategy, fixed(atSmall, 0), fixed(atLarge, 0), ratio(atLarge, atSmall)];
    }),
  );
} finally {
  source.server.closeAllConnections();
  source.server.close();
  await aws.stop();
  await rm(storage, { recursive: true, force: true });
}
