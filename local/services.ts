import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/** A child process the local stack started, with its log file and a way to stop it for good. */
export interface Service {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Every line the child prints goes to `<logDir>/<name>.log`. */
  logDir: string;
  /** Also echo the child's output, prefixed with its name (npm start does, tests do not). */
  echo?: boolean;
  /** Ready once this TCP port on 127.0.0.1 accepts connections. */
  port: number;
  readyTimeoutMs?: number;
}

const STOP_GRACE_MS = 5_000;

async function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function assertPortFree(port: number, what: string) {
  if (await portAccepts(port)) {
    throw new Error(
      `Port ${port} (${what}) is already in use. Stop whatever holds it, or start on another base port with PORT=<n>.`,
    );
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts a child process and resolves once its port accepts connections; rejects if it dies first. */
export async function startService(options: ServiceOptions): Promise<Service> {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: "a" });
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.pipe(logFile, { end: false });
    if (options.echo) {
      stream?.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n").filter(Boolean)) {
          process.stdout.write(`[${options.name}] ${line}\n`);
        }
      });
    }
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const gone = await Promise.race([
        exited(child).then(() => true),
        delay(STOP_GRACE_MS, false),
      ]);
      if (!gone) {
        child.kill("SIGKILL");
        await exited(child);
      }
    }
    logFile.end();
  };

  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!(await portAccepts(options.port))) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `${options.name} failed to start (${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`}); see ${join(options.logDir, `${options.name}.log`)}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} did not listen on port ${options.port} in time`);
    }
    await delay(100);
  }
  return { name: options.name, child, stop };
}
