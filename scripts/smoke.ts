/**
 * `npm run smoke -- <site URL> --code <access code> [--generate [--yes]] [--local]`
 *
 * The post-deploy smoke test: after `sst deploy`, checks against the real stage what only AWS can
 * show — the API's health, a bearer token through the Router, the sign-in cookie, HSTS and CSP on
 * the site's pages, a short-lived media URL and a share page's link preview; with --generate it
 * makes one short video on the cheapest priced model (saying what it costs first) and waits for it
 * and its frames. Prints a pass/fail table; exits 1 when any check fails. It talks to the stage
 * through its HTTP API and pages only (cli/client.ts), never AWS directly, and never prints the
 * access code or a cookie.
 *
 * --local runs it against the local stack (`npm start`), served over plain http on loopback: the
 * rows it judges by the plain-http rules (no Secure cookie, no HSTS) are marked [--local].
 */
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { TakesClient, type Job } from "../cli/client";
import { normalizeUrl } from "../cli/config";
import { CliError, usageError } from "../cli/errors";
import { usd } from "../cli/format";
import { readCredential } from "../cli/secret-input";
import type { Page } from "./smoke/http";
import { checkFrames, checkMedia, checkShare, generate, newestVideo } from "./smoke/media";
import type { GenerationPlan } from "./smoke/plan";
import {
  checkBearer,
  checkCsp,
  checkHealth,
  checkHsts,
  checkSignIn,
  describeError,
  LOCAL_MARK,
  type Target,
} from "./smoke/site";

type Result = "PASS" | "FAIL" | "SKIP";

interface Row {
  check: string;
  result: Result;
  detail: string;
}

/** A check's outcome: a passing detail, or a reason it was not run. */
type Outcome = string | { skipped: string };

interface Options {
  code?: string;
  local?: boolean;
  generate?: boolean;
  yes?: boolean;
  timeout: number;
}

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * How long the frames of a video found already completed may still be on their way: the frames
 * worker runs moments after the copy, so only a video that has just completed lacks them.
 */
const FOUND_VIDEO_FRAMES_MS = 30_000;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const minutes = (value: string) => {
  if (!/^\d{1,3}$/.test(value) || Number(value) === 0) {
    throw new InvalidArgumentError("Give the minutes as a whole number from 1.");
  }
  return Number(value);
};

/** Yes from --yes, else from the person at the terminal; no terminal and no --yes is a no. */
async function confirmSpend(plan: GenerationPlan, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`Spend ${usd(plan.totalUsd)} on it? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** Runs each check in turn, recording a row for it; a check that throws fails with its message. */
async function smoke(target: Target, options: Options): Promise<Row[]> {
  const client = new TakesClient(target.url, target.code);
  const rows: Row[] = [];
  const check = async (name: string, run: () => Outcome | Promise<Outcome>) => {
    process.stderr.write(`checking ${name}…\n`);
    try {
      const outcome = await run();
      rows.push(
        typeof outcome === "string"
          ? { check: name, result: "PASS", detail: outcome }
          : { check: name, result: "SKIP", detail: outcome.skipped },
      );
    } catch (error) {
      rows.push({ check: name, result: "FAIL", detail: describeError(error) });
    }
  };
  const pages: Page[] = [];

  await check("health", () => checkHealth(target));
  await check("bearer token", () => checkBearer(target, client));
  await check("sign-in cookie", () => checkSignIn(target, pages));

  let video: Job | undefined;
  let framesDeadline = 0;
  let noVideo = "no video: finding one failed";
  await check("video", async () => {
    if (!options.generate) {
      video = await newestVideo(client);
      framesDeadline = Date.now() + FOUND_VIDEO_FRAMES_MS;
      noVideo = "no video yet (--generate makes one)";
      return video ? `${video.id}, the newest completed video` : { skipped: noVideo };
    }
    noVideo = "no video: --generate made none";
    const confirm = (plan: GenerationPlan) => confirmSpend(plan, Boolean(options.yes));
    const announce = (line: string) => console.log(line);
    const made = await generate(client, confirm, announce, options.timeout * 60_000);
    video = made.job;
    framesDeadline = made.deadline;
    return made.detail;
  });
  /** A check of the video found or made; skipped without one. */
  const ofVideo = (run: (found: Job) => Promise<string>) => () =>
    video ? run(video) : { skipped: noVideo };
  await check(
    "frames",
    ofVideo((found) => checkFrames(client, found, framesDeadline)),
  );
  // Fresh URLs: those read while waiting may be minutes old.
  await check(
    "media URL",
    ofVideo(async (found) => checkMedia(target, await client.getVideo(found.id))),
  );
  await check(
    "share page",
    ofVideo(async (found) => checkShare(target, client, await client.getVideo(found.id), pages)),
  );
  await check("HSTS", () => checkHsts(target, pages));
  await check("CSP", () => checkCsp(pages));
  return rows;
}

function table(rows: Row[]): string {
  const header = { check: "CHECK", result: "RESULT", detail: "DETAIL" };
  const width = Math.max(...[header, ...rows].map((row) => row.check.length));
  return [header, ...rows]
    .map((row) => `${row.check.padEnd(width)}  ${row.result.padEnd(6)}  ${row.detail}`)
    .join("\n");
}

function summary(rows: Row[], local: boolean): string {
  const count = (result: Result) => rows.filter((row) => row.result === result).length;
  const line = `${count("PASS")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped`;
  return local
    ? `${line}\n${LOCAL_MARK}: judged as the local stack over plain http; a real stage must pass them over https.`
    : line;
}

/** The site to check, refusing --local anywhere but plain http on this machine. */
function targetFor(url: string, code: string, local: boolean): Target {
  const normalized = normalizeUrl(url);
  const parsed = new URL(normalized);
  if (local && (parsed.protocol !== "http:" || !LOOPBACK.has(parsed.hostname))) {
    throw usageError(
      `--local is for the local stack on http://127.0.0.1; ${parsed.origin} is checked as a real stage.`,
    );
  }
  return { url: normalized, origin: parsed.origin, code, local };
}

async function run(argv: string[]): Promise<number> {
  const program = new Command("smoke")
    .description("Check a deployed Takes stage end to end: a pass/fail table, exit 1 on a failure.")
    .argument("<url>", "the site's URL, e.g. https://d1234.cloudfront.net")
    .addOption(
      new Option("--code <access code>", "an access code (else asked for, unechoed)").env(
        "TAKES_KEY",
      ),
    )
    .option("--generate", "also make one short video on the cheapest priced model (costs money)")
    .option("--yes", "spend what --generate says it costs without asking")
    .addOption(
      new Option("--timeout <minutes>", "how long --generate waits for the video and its frames")
        .argParser(minutes)
        .default(15),
    )
    .option("--local", "the local stack (npm start) over plain http: no Secure cookie, no HSTS")
    .showHelpAfterError()
    .exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const options = program.opts<Options>();
  const code = options.code ?? (await readCredential("Access code: "));
  const target = targetFor(program.args[0]!, code, Boolean(options.local));
  console.log(`Smoke test of ${target.url}`);
  const rows = await smoke(target, options);
  console.log(`\n${table(rows)}\n\n${summary(rows, target.local)}`);
  return rows.some((row) => row.result === "FAIL") ? EXIT.failed : EXIT.ok;
}

try {
  process.exitCode = await run(process.argv);
} catch (error) {
  process.stderr.write(`smoke: ${describeError(error)}\n`);
  process.exitCode = error instanceof CliError ? EXIT.usage : EXIT.failed;
}
