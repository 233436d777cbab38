import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";

export type LogEntry = Record<string, unknown>;

/** The test stack runtime's structured log lines (the Lambdas' Powertools logs) `keep` selects. */
export async function runtimeLog(keep: (entry: LogEntry) => boolean): Promise<LogEntry[]> {
  const log = await readFile(join(inject("stack").logDir, "runtime.log"), "utf8");
  return log
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogEntry)
    .filter(keep);
}
