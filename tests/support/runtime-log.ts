import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { inject } from "vitest";

export type LogEntry = Record<string, unknown>;

/**
 * The test stack's structured log lines (the Powertools logs of the Lambdas, or of the site's
 * server with `service` "site") that `keep` selects.
 */
export async function runtimeLog(
  keep: (entry: LogEntry) => boolean,
  service: "runtime" | "site" = "runtime",
): Promise<LogEntry[]> {
  const log = await readFile(join(inject("stack").logDir, `${service}.log`), "utf8");
  return log
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogEntry)
    .filter(keep);
}
