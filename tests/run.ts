import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildSiteIfStale } from "#local/stack";

/**
 * `npm test`: every vitest project, then the plain closing line CI reads ("N passed, N failed").
 * Extra arguments go to vitest (e.g. `npm test -- --project unit`).
 */
// Test stacks serve their own build of the site, made once here rather than by stacks starting
// in parallel, and apart from the one a running `npm start` serves.
process.env.TAKES_SITE_BUILD ??= "build-test";
buildSiteIfStale(process.env.TAKES_SITE_BUILD, false);

const outputDir = join(import.meta.dirname, "..", "test-output");
mkdirSync(outputDir, { recursive: true });
const report = join(outputDir, "vitest.json");
rmSync(report, { force: true });

const run = spawnSync(
  process.execPath,
  [
    join(import.meta.dirname, "..", "node_modules/vitest/vitest.mjs"),
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

let summary: VitestReport | undefined;
try {
  summary = JSON.parse(readFileSync(report, "utf8")) as VitestReport;
} catch {
  summary = undefined;
}
if (!summary) {
  console.log("0 passed, 1 failed");
  process.exit(run.status || 1);
}
const skipped = summary.numPendingTests + summary.numTodoTests;
console.log(
  `${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
process.exit(run.status ?? 1);
