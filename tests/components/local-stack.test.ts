import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait";

// `npm start` as a person runs it: the real entry point in its own process, on its own ports.
const port = Number(process.env.TAKES_STACK_TEST_PORT ?? 3200);
const ports = [port, port + 1, port + 2, port + 3, port + 4];
const dynamoDbPort = port + 4;
const dataDir = mkdtempSync(join(tmpdir(), "takes-start-"));
const credentials = { accessKeyId: "takeslocal", secretAccessKey: "takeslocal" };
const region = "us-east-1";
const dynamo = DynamoDBDocumentClient.from(
  new DynamoDBClient({ endpoint: `http://127.0.0.1:${dynamoDbPort}`, region, credentials }),
);
const s3 = new S3Client({
  endpoint: `http://127.0.0.1:${port + 3}`,
  region,
  credentials,
  forcePathStyle: true,
});

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((child) => {
      try {
        const stat = readFileSync(`/proc/${child}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false; // exited while we looked
      }
    });
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** Listening TCP sockets on our ports, as "address:port" from /proc/net/tcp{,6}. */
function listeners(): Map<number, string[]> {
  const found = new Map<number, string[]>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local) continue; // 0A = LISTEN
      const [address = "", hexPort = ""] = local.split(":");
      const listenPort = parseInt(hexPort, 16);
      if (!ports.includes(listenPort)) continue;
      found.set(listenPort, [...(found.get(listenPort) ?? []), address]);
    }
  }
  return found;
}

const LOOPBACK_V4 = "0100007F";

/** Processes whose environment carries `TAKES_DATA_DIR=dir`: everything one `npm start` began. */
function processesOf(dir: string): number[] {
  const marker = `TAKES_DATA_DIR=${dir}\0`;
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").includes(marker);
      } catch {
        return false; // exited while we looked, or not ours to read
      }
    });
}

async function startTakes() {
  const child = spawn(process.execPath, ["--import", "tsx", "local/start.ts"], {
    env: { ...process.env, PORT: String(port), TAKES_DATA_DIR: dataDir, TAKES_QUIET: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes("Takes is ready") || child.exitCode !== null, {
    timeoutMs: 120_000,
    what: "npm start to print that Takes is ready",
  });
  expect(child.exitCode, output).toBeNull();
  return { child, output: () => output };
}

/** Stops `npm start` and checks that each of its `servers` child processes exited with it. */
async function stopTakes(child: ChildProcess, signal: NodeJS.Signals, servers: number) {
  const pid = child.pid!;
  const descendants = childrenOf(pid);
  const commands = descendants.map((child) => readFileSync(`/proc/${child}/cmdline`, "utf8"));
  // At least the servers Takes runs; whatever else it has started must end with it too.
  expect(descendants.length, commands.join("\n")).toBeGreaterThanOrEqual(servers);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill(signal);
  expect(await exited).toBe(0);
  await waitFor(() => descendants.every((descendant) => !alive(descendant)), {
    timeoutMs: 10_000,
    what: "every child process to exit",
  });
  expect(listeners().size).toBe(0);
}

const health = async () => {
  const response = await fetch(`http://127.0.0.1:${port}/api/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
};
interface HealthBody {
  ok: boolean;
  checks: Record<string, { ok: boolean }>;
}

describe("npm start", () => {
  let running: ChildProcess | undefined;
  afterAll(async () => {
    // A failed test may leave Takes running: stop it as Ctrl-C would, so no server outlives the
    // test, and only then force whatever is left.
    if (running && running.exitCode === null) {
      const descendants = childrenOf(running.pid!);
      const exited = new Promise((resolve) => running!.once("exit", resolve));
      running.kill("SIGTERM");
      await Promise.race([exited, delay(15_000)]);
      for (const pid of [running.pid!, ...descendants].filter(alive)) process.kill(pid, "SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("brings up every server on loopback behind one origin and prints the URL and a demo code", async () => {
    const { child, output } = await startTakes();
    running = child;
    expect(output()).toContain(`http://127.0.0.1:${port}`);
    expect(output()).toMatch(/access code\s+demo-[0-9a-f]{12}/);

    const bound = listeners();
    expect([...bound.keys()].sort()).toEqual(ports);
    for (const listenPort of ports.filter((p) => p !== dynamoDbPort)) {
      expect(bound.get(listenPort), `port ${listenPort}`).toEqual([LOOPBACK_V4]);
    }

    const { status, body } = await health();
    expect(status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(
      ["bucket", "framesQueue", "pollQueue", "provider", "table"].sort(),
    );
    expect(Object.values(body.checks).every((check) => check.ok)).toBe(true);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>[^<]*Takes[^<]*<\/title>/);
  });

  it("reports a dependency that goes down with a non-200 health", async () => {
    const provider = childrenOf(running!.pid!).find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("providers/main.ts"),
    );
    expect(provider).toBeDefined();
    process.kill(provider!, "SIGKILL");
    await waitFor(() => !alive(provider!), { timeoutMs: 5_000, what: "the emulator to die" });
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.checks.provider?.ok).toBe(false);
    expect(body.checks.table?.ok).toBe(true);
  });

  it("stops every child on SIGINT and keeps the data for the next start", async () => {
    await dynamo.send(
      new PutCommand({ TableName: "Jobs", Item: { id: "persisted-job", owner: "someone" } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: "media", Key: "persisted.txt", Body: "kept" }));
    // Four servers are left: the previous test killed the provider emulator.
    await stopTakes(running!, "SIGINT", 4);

    const { child } = await startTakes();
    running = child;
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: "Jobs", Key: { id: "persisted-job" } }),
    );
    expect(Item?.owner).toBe("someone");
    const object = await s3.send(new GetObjectCommand({ Bucket: "media", Key: "persisted.txt" }));
    expect(await object.Body?.transformToString()).toBe("kept");
    expect((await health()).status).toBe(200);

    await stopTakes(child, "SIGTERM", 5);
  });
});

describe("npm start when a server cannot start", () => {
  it("stops the servers that did start, says why, and exits non-zero", async () => {
    // No Java on the PATH: DynamoDB Local fails at once, while the others are starting.
    const failedDataDir = mkdtempSync(join(tmpdir(), "takes-start-fail-"));
    const emptyPath = mkdtempSync(join(tmpdir(), "takes-no-java-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "local/start.ts"], {
        env: {
          ...process.env,
          PATH: emptyPath,
          PORT: String(port),
          TAKES_DATA_DIR: failedDataDir,
          TAKES_QUIET: "1",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exitCode = await new Promise<number | null>((resolve) => child.once("exit", resolve));

      expect(exitCode, output).toBe(1);
      expect(output).toContain("Takes could not start");
      expect(output).toContain("DynamoDB Local needs Java");
      expect(output).not.toContain("Takes is ready");
      expect(processesOf(failedDataDir)).toEqual([]);
      expect(listeners().size).toBe(0);
    } finally {
      // Whatever a failure left behind must not hold the ports for the tests after this one.
      for (const pid of processesOf(failedDataDir)) process.kill(pid, "SIGKILL");
      rmSync(failedDataDir, { recursive: true, force: true });
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});
