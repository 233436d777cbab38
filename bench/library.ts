/**
 * Whether the library stays flat as it grows: the library page and GET /api/videos (first page, a
 * status filter, five pages deep by cursor) for an owner with 10,000 jobs against an owner with
 * just enough jobs to fill the same screens, both on one local stack (local/stack.ts: the site
 * behind the local runtime's gateway, the API's handlers, DynamoDB Local, fauxqs). And what
 * listing only what a card shows saves: URLs minted and the time minting them, for a page of the
 * 10,000-job owner, listed as the API does now (thumbnail and sprite sheet) against every stored
 * file presigned, as it did before.
 */
import "./quiet-logs";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { dynamoClient } from "#core/aws";
import { ownerIdFor } from "#core/identity";
import { newJob, newJobId, ownerStatusOf, type Job, type JobMedia } from "#core/jobs/model";
import { listJobs } from "#core/jobs/repository";
import { MEDIA_FILES, MEDIA_VARIANTS, mediaKey } from "#core/media/layout";
import { listedJob, publicJob } from "#core/videos/view";
import { startStack } from "#local/stack";
import { fixed, median, percentile, printHeading, printTable, ratio } from "./support";

/** The origin port; the stack takes the next four too (this benchmark's own block). */
const PORT = Number(process.env.TAKES_BENCH_PORT ?? 3910);
const LARGE = 10_000;
/** Screens measured: a page of 24 cards, five pages deep: six pages' worth of jobs. */
const PAGE = 24;
const DEPTH = 5;
const SMALL = PAGE * (DEPTH + 1) + 6;
/** Requests timed per owner and screen (after WARMUP untimed ones); the table shows medians. */
const SAMPLES = 25;
const WARMUP = 5;
/** A failed job every FAILED_EVERY jobs: the status filter's page is full for both owners. */
const FAILED_EVERY = 6;
const FILTER = "failed";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A finished job as the pipeline leaves it: completed with all five files, or failed. */
function seededJob(owner: string, index: number, createdAt: number): Job {
  const id = newJobId(createdAt);
  const failed = index % FAILED_EVERY === FAILED_EVERY - 1;
  const base = newJob(
    {
      id,
      owner,
      provider: "openai",
      providerJobId: `video_${hex(8)}`,
      model: "sora-2",
      prompt: `Take ${index}: a paper boat drifts down a rain gutter, light rain, dusk`,
      seconds: 8,
      size: "1280x720",
      nextPollAt: createdAt,
    },
    new Date(createdAt),
  );
  // An ended job leaves the sweeper's index.
  const ended: Job = { ...base };
  delete ended.pollShard;
  delete ended.nextPollAt;
  const media: JobMedia = failed
    ? {}
    : Object.fromEntries(
        MEDIA_VARIANTS.map((variant) => [
          variant,
          {
            key: mediaKey(base, variant),
            contentType: MEDIA_FILES[variant].contentType,
            bytes: 1000,
          },
        ]),
      );
  const status = failed ? "failed" : "completed";
  return {
    ...ended,
    status,
    ownerStatus: ownerStatusOf(owner, status),
    progress: failed ? 0 : 100,
    error: failed ? { code: "moderation", message: "The provider declined the prompt." } : null,
    copiedAt: failed ? undefined : new Date(createdAt + 60_000).toISOString(),
    pollCount: 6,
    media,
  };
}

/** `count` jobs for `owner`, a minute apart, written 25 at a time, a few batches in flight. */
async function seed(owner: string, count: number) {
  const start = Date.now() - count * 60_000;
  const jobs = Array.from({ length: count }, (_, index) =>
    seededJob(owner, index, start + index * 60_000),
  );
  const batches: Job[][] = [];
  for (let offset = 0; offset < jobs.length; offset += 25)
    batches.push(jobs.slice(offset, offset + 25));
  const inFlight = 8;
  for (let offset = 0; offset < batches.length; offset += inFlight) {
    await Promise.all(
      batches.slice(offset, offset + inFlight).map(async (batch) => {
        let unprocessed: Record<string, unknown>[] = batch.map((job) => ({
          PutRequest: { Item: job },
        }));
        while (unprocessed.length > 0) {
          const { UnprocessedItems } = await dynamoClient().send(
            new BatchWriteCommand({ RequestItems: { [Resource.Jobs.name]: unprocessed as never } }),
          );
          unprocessed = (UnprocessedItems?.[Resource.Jobs.name] ?? []) as never;
        }
      }),
    );
  }
}

/** Distinct URLs a reply hands out (a page names a thumbnail twice: in its markup and its data). */
const urlsIn = (text: string) => new Set(text.match(/X-Amz-Signature=[0-9a-f]{64}/g)).size;

printHeading(
  "Library at scale",
  `The library page and GET /api/videos for an owner with ${LARGE.toLocaleString("en")} jobs ` +
    `against one with ${SMALL} (enough for the same screens), one local stack.\n` +
    `Median of ${SAMPLES} requests per screen and owner (after ${WARMUP} untimed rounds), in ` +
    `rounds over every screen and both owners.\n` +
    `A job in ${FAILED_EVERY} failed, the rest completed with all five files.`,
);

const dataDir = await mkdtemp(join(tmpdir(), "takes-bench-library-"));
const stack = await startStack({ port: PORT, dataDir, siteBuild: "build-scale" });
try {
  const keys = { large: `sk-bench-${hex(12)}`, small: `sk-bench-${hex(12)}` };
  const owners = { large: ownerIdFor(keys.large), small: ownerIdFor(keys.small) };
  const seedSeconds = performance.now();
  await seed(owners.large, LARGE);
  await seed(owners.small, SMALL);
  console.log(
    `seeded ${LARGE + SMALL} jobs in ${fixed((performance.now() - seedSeconds) / 1000)} s\n`,
  );

  /** Signs in through the site's form, as a browser does; returns the session cookie. */
  async function signIn(credential: string) {
    const response = await fetch(`${stack.url}/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: stack.url },
      body: new URLSearchParams({ credential, next: "/" }),
      redirect: "manual",
    });
    const cookie = response.headers.getSetCookie().find((h) => h.startsWith("takes_session="));
    if (!cookie) throw new Error(`sign-in answered ${response.status} without a session`);
    return cookie.split(";")[0]!;
  }
  const cookies = { large: await signIn(keys.large), small: await signIn(keys.small) };

  type Owner = keyof typeof keys;
  const api = (owner: Owner, query: string) =>
    fetch(`${stack.url}/api/videos${query}`, {
      headers: { authorization: `Bearer ${keys[owner]}` },
    });
  const page = (owner: Owner, query: string) =>
    fetch(`${stack.url}/${query}`, { headers: { cookie: cookies[owner], accept: "text/html" } });

  /** The cursor that opens the page DEPTH pages down, followed page by page as a client does. */
  async function deepCursor(owner: Owner) {
    let cursor = "";
    for (let step = 0; step < DEPTH; step++) {
      const response = await api(owner, `?limit=${PAGE}${cursor && `&cursor=${cursor}`}`);
      const { nextCursor } = (await response.json()) as { nextCursor: string | null };
      if (!nextCursor) throw new Error(`${owner}: no page ${step + 2}`);
      cursor = encodeURIComponent(nextCursor);
    }
    return cursor;
  }
  const deep = { large: await deepCursor("large"), small: await deepCursor("small") };

  interface Screen {
    name: string;
    get: (owner: Owner) => Promise<Response>;
  }
  const screens: Screen[] = [
    { name: "page /", get: (owner) => page(owner, "") },
    { name: `page /?status=${FILTER}`, get: (owner) => page(owner, `?status=${FILTER}`) },
    { name: `page ${DEPTH} pages deep`, get: (owner) => page(owner, `?cursor=${deep[owner]}`) },
    { name: "API first page", get: (owner) => api(owner, "") },
    { name: `API status=${FILTER}`, get: (owner) => api(owner, `?status=${FILTER}`) },
    { name: `API ${DEPTH} pages deep`, get: (owner) => api(owner, `?cursor=${deep[owner]}`) },
  ];

  // Round after round over every screen and both owners, so the machine's drift (other work on
  // it, DynamoDB Local's own housekeeping after the seeding) falls on all of them alike.
  const times = screens.map(() => ({ large: [] as number[], small: [] as number[] }));
  const urls = screens.map(() => ({ large: 0, small: 0 }));
  for (let round = 0; round < WARMUP + SAMPLES; round++) {
    for (const [index, screen] of screens.entries()) {
      for (const owner of ["large", "small"] as const) {
        const start = performance.now();
        const response = await screen.get(owner);
        const text = await response.text();
        const ms = performance.now() - start;
        if (response.status !== 200) throw new Error(`${screen.name} answered ${response.status}`);
        if (round >= WARMUP) times[index]![owner].push(ms);
        urls[index]![owner] = urlsIn(text);
      }
    }
  }
  const rows = screens.map((screen, index) => {
    const { large, small } = times[index]!;
    return [
      screen.name,
      fixed(median(large)),
      fixed(percentile(large, 90)),
      fixed(median(small)),
      fixed(percentile(small, 90)),
      ratio(median(large), median(small)),
      String(urls[index]!.large),
    ];
  });
  printTable(
    ["screen", `${LARGE} jobs ms`, "p90", `${SMALL} jobs ms`, "p90", "large/small", "URLs minted"],
    rows,
  );

  // The presign saving, in this process with core/ itself: the same listed page shown the way the
  // listing does now, and with every stored file presigned as it did before.
  const { jobs } = await listJobs(owners.large, { limit: PAGE });
  const views = { before: publicJob, after: listedJob };
  const presign: Record<keyof typeof views, number[]> = { before: [], after: [] };
  const minted: Record<keyof typeof views, number> = { before: 0, after: 0 };
  for (let round = 0; round < WARMUP + SAMPLES * 2; round++) {
    for (const [name, view] of Object.entries(views) as [keyof typeof views, typeof listedJob][]) {
      const start = performance.now();
      const shown = await Promise.all(jobs.map(view));
      if (round >= WARMUP) presign[name].push(performance.now() - start);
      minted[name] = urlsIn(JSON.stringify(shown));
    }
  }
  printTable(
    ["first page of the 10,000", "URLs minted", "presign ms (median)", "p90"],
    (["before", "after"] as const).map((name) => [
      name === "before" ? "before: every stored file" : "after: what a card shows",
      String(minted[name]),
      fixed(median(presign[name]), 2),
      fixed(percentile(presign[name], 90), 2),
    ]),
  );
  console.log(
    `saving: ${ratio(minted.after, minted.before)} the URLs, ` +
      `${ratio(median(presign.after), median(presign.before))} the presign time ` +
      `(${jobs.length} jobs, ${jobs.filter((job) => job.status === "completed").length} completed)`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
